// The profile dialog over the app's ProfileActions (ProfileStoreActions): saves what the
// form says, never keeps a password in the settings file, shows each backend's test
// outcome.
#include "app/ProfileStoreActions.h"
#include "core/services/ProfileStore.h"
#include "widgets/ProfileDialog.h"

#include <QFile>
#include <QLineEdit>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace switchboard;

class TestProfileDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void saveStripsPassword();
    void refusesInvalid();
    void testShowsEachBackend();
};

static ProfileForm sample()
{
    ProfileForm p;
    p.name = QStringLiteral("staging");
    p.redisUri = QStringLiteral("redis://oncall:s3cret@127.0.0.1:6379/0");
    p.pgDsn = QStringLiteral("host=127.0.0.1 dbname=agentops");
    p.operatorName = QStringLiteral("bob");
    return p;
}

void TestProfileDialog::saveStripsPassword()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("s.ini"));
    QSettings settings(file, QSettings::IniFormat);
    ProfileStore store(settings);
    ProfileStoreActions actions(store, nullptr, {});
    ProfileDialog dialog(actions);
    dialog.setForm(sample());
    QVERIFY(dialog.saveProfile());
    const auto saved = store.load(QStringLiteral("staging"));
    QVERIFY(saved.has_value());
    QCOMPARE(saved->redisUri, QStringLiteral("redis://oncall@127.0.0.1:6379/0"));
    QCOMPARE(saved->operatorName, QStringLiteral("bob"));
    settings.sync();
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(!f.readAll().contains("s3cret"));
    QVERIFY(dialog.testOutput().contains(QStringLiteral("Saved profile staging")));
}

void TestProfileDialog::refusesInvalid()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    ProfileStore store(settings);
    ProfileStoreActions actions(store, nullptr, {});
    ProfileDialog dialog(actions);
    ProfileForm p = sample();
    p.name.clear();
    dialog.setForm(p);
    QVERIFY(!dialog.saveProfile());
    QVERIFY(dialog.testOutput().contains(QStringLiteral("needs a name")));
    QVERIFY(store.names().isEmpty());
}

void TestProfileDialog::testShowsEachBackend()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    ProfileStore store(settings);
    ConnectionProfile seen;
    ProfilePasswords seenPasswords;
    ProfileStoreActions actions(
        store, nullptr,
        [&](const ConnectionProfile &p, const ProfilePasswords &pw, QObject *,
            std::function<void(ConnectionTestResults)> done) {
            seen = p;
            seenPasswords = pw;
            ConnectionTestResult redis {
                QStringLiteral("Redis"), true, QStringLiteral("7.0.15"), 0.4, {}};
            ConnectionTestResult pg {QStringLiteral("Postgres"),
                                     false,
                                     {},
                                     -1,
                                     QStringLiteral("password authentication failed")};
            done({redis, pg});
        });
    ProfileDialog dialog(actions);
    dialog.setForm(sample());
    dialog.testConnection();
    QCOMPARE(seen.redisUri, QStringLiteral("redis://oncall@127.0.0.1:6379/0"));
    QCOMPARE(seenPasswords.redis, QStringLiteral("s3cret"));
    const QString out = dialog.testOutput();
    QVERIFY2(out.contains(QStringLiteral("Redis: ok, 7.0.15, round trip 0.4 ms")), qPrintable(out));
    QVERIFY(out.contains(QStringLiteral("Postgres: failed — password authentication failed")));
    // For looking at the screen: SWITCHBOARD_SCREENSHOT_DIR=/tmp/x ./tst_profiledialog
    const QString shots = qEnvironmentVariable("SWITCHBOARD_SCREENSHOT_DIR");
    if (!shots.isEmpty()) {
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY(dialog.grab().save(shots + QStringLiteral("/profile-dialog.png")));
    }
}

QTEST_MAIN(TestProfileDialog)
#include "tst_profiledialog.moc"
