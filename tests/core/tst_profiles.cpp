// Connection profiles: validation, QSettings round trip, no secrets at rest.
#include "core/pg/PgConfig.h"
#include "core/services/ProfileStore.h"

#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace switchboard;

class TestProfiles : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip();
    void rejectsPasswords();
    void rejectsBadInput();
    void stripPassword();
    void dsnSecretsAsLibpqReadsThem();
    void noPasswordForAnEmptyDsn();
    void namesWithSlashes();
};

static ConnectionProfile sample()
{
    ConnectionProfile p;
    p.name = QStringLiteral("prod-eu");
    p.redisUri = QStringLiteral("rediss://oncall@redis.internal:6380/2");
    p.keyNamespace = QStringLiteral("agentops:");
    p.pgDsn = QStringLiteral("service=agentops-prod sslmode=verify-full");
    p.pgReplicaDsn = QStringLiteral("host=replica.internal dbname=agentops");
    p.operatorName = QStringLiteral("alice");
    return p;
}

void TestProfiles::roundTrip()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("s.ini"));
    {
        QSettings settings(file, QSettings::IniFormat);
        ProfileStore store(settings);
        QString error;
        QVERIFY2(store.save(sample(), &error), qPrintable(error));
        ConnectionProfile sentinel = sample();
        sentinel.name = QStringLiteral("a-sentinel");
        sentinel.redisUri.clear();
        sentinel.sentinels = {QStringLiteral("s1:26379"), QStringLiteral("s2:26379")};
        sentinel.sentinelMaster = QStringLiteral("mymaster");
        QVERIFY2(store.save(sentinel, &error), qPrintable(error));
        store.setLastUsed(QStringLiteral("prod-eu"));
    }
    QSettings settings(file, QSettings::IniFormat);
    ProfileStore store(settings);
    QCOMPARE(store.names(),
             (QStringList {QStringLiteral("a-sentinel"), QStringLiteral("prod-eu")}));
    const auto loaded = store.load(QStringLiteral("prod-eu"));
    QVERIFY(loaded.has_value());
    QCOMPARE(*loaded, sample());
    QCOMPARE(store.load(QStringLiteral("a-sentinel"))->sentinels.size(), 2);
    QCOMPARE(store.lastUsed(), QStringLiteral("prod-eu"));
    QVERIFY(!store.load(QStringLiteral("nope")).has_value());
    QVERIFY(store.remove(QStringLiteral("a-sentinel")));
    QCOMPARE(store.names(), QStringList {QStringLiteral("prod-eu")});
}

void TestProfiles::rejectsPasswords()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("s.ini"));
    QSettings settings(file, QSettings::IniFormat);
    ProfileStore store(settings);
    ConnectionProfile p = sample();
    p.redisUri = QStringLiteral("redis://oncall:hunter2@redis.internal:6379/0");
    QString error;
    QVERIFY(!store.save(p, &error));
    QVERIFY2(error.contains(QStringLiteral("password")), qPrintable(error));
    p = sample();
    p.pgDsn = QStringLiteral("host=db password=hunter2");
    QVERIFY(!store.save(p, &error));
    QVERIFY2(error.contains(QStringLiteral("PGPASSWORD")), qPrintable(error));
    p.pgDsn = QStringLiteral("postgresql://u:hunter2@db/agentops");
    QVERIFY(!store.save(p, &error));
    settings.sync();
    QFile f(file);
    if (f.open(QIODevice::ReadOnly))
        QVERIFY(!f.readAll().contains("hunter2"));
}

void TestProfiles::rejectsBadInput()
{
    ConnectionProfile p = sample();
    p.redisUri = QStringLiteral("http://redis");
    QVERIFY(!p.validate().isEmpty());
    p = sample();
    p.sentinels = {QStringLiteral("nohostport")};
    const QStringList problems = p.validate();
    QCOMPARE(problems.size(), 2); // bad address and no master name
    p = sample();
    p.tlsClientCert = QStringLiteral("/etc/hostname");
    QVERIFY(p.validate().join(QLatin1Char(' ')).contains(QStringLiteral("needs its key")));
    p = sample();
    p.tlsCaFile = QStringLiteral("/nonexistent/ca.pem");
    QVERIFY(p.validate().join(QLatin1Char(' ')).contains(QStringLiteral("cannot read")));
    p = ConnectionProfile();
    QCOMPARE(p.validate().size(), 2);
}

void TestProfiles::stripPassword()
{
    QString password;
    const QString stripped
        = ConnectionProfile::stripPassword(QStringLiteral("rediss://u:p%40ss@h:6380/1"), &password);
    QCOMPARE(password, QStringLiteral("p@ss"));
    QCOMPARE(stripped, QStringLiteral("rediss://u@h:6380/1"));
    password.clear();
    QCOMPARE(ConnectionProfile::stripPassword(QStringLiteral("redis://h:1"), &password),
             QStringLiteral("redis://h:1"));
    QVERIFY(password.isEmpty());
}

void TestProfiles::namesWithSlashes()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    ProfileStore store(settings);
    ConnectionProfile p = sample();
    p.name = QStringLiteral("eu/west 1 ✓");
    QString error;
    QVERIFY2(store.save(p, &error), qPrintable(error));
    QCOMPARE(store.names(), QStringList {p.name});
    QCOMPARE(store.load(p.name)->name, p.name);
}

void TestProfiles::dsnSecretsAsLibpqReadsThem()
{
    const QList<std::pair<QString, QString>> cases {
        {QStringLiteral("host=db password=hunter2"), QStringLiteral("password")},
        {QStringLiteral("host=db password = 'hun ter2'"), QStringLiteral("password")},
        {QStringLiteral("host=db sslpassword=hunter2"), QStringLiteral("sslpassword")},
        {QStringLiteral("postgresql://u:hunter2@db/x"), QStringLiteral("password")},
        {QStringLiteral("postgres://u@db/x?password=hunter2"), QStringLiteral("password")},
        {QStringLiteral("postgresql:///x?host=db&sslpassword=hunter2"),
         QStringLiteral("sslpassword")},
        {QStringLiteral("host=db user=password dbname=password"), QString()},
        {QStringLiteral("postgresql://password@db/password"), QString()},
        {QStringLiteral("service=agentops sslmode=verify-full"), QString()},
        {QString(), QString()},
    };
    for (const auto &[dsn, secret] : cases)
        QVERIFY2(ConnectionProfile::pgDsnSecret(dsn) == secret, qPrintable(dsn));

    // Each form is refused by the profile check too, for the primary and the replica.
    for (const QString &dsn : {QStringLiteral("postgres://u@db/x?password=hunter2"),
                               QStringLiteral("host=db sslpassword=hunter2")}) {
        ConnectionProfile p = sample();
        p.pgReplicaDsn = dsn;
        QVERIFY2(p.validate().join(QLatin1Char(' ')).contains(QStringLiteral("PGPASSWORD")),
                 qPrintable(dsn));
        p = sample();
        p.pgDsn = dsn;
        QVERIFY2(!p.validate().isEmpty(), qPrintable(dsn));
    }
    ConnectionProfile p = sample();
    p.redisUri = QStringLiteral("rediss://:hunter2@h:6380");
    QVERIFY(!p.validate().isEmpty());
    p.redisUri = QStringLiteral("rediss://oncall@h:6380/0");
    QVERIFY2(p.validate().isEmpty(), qPrintable(p.validate().join(QLatin1Char(' '))));
}

void TestProfiles::noPasswordForAnEmptyDsn()
{
    // No replica configured: the primary's password must not make a "replica" DSN that
    // libpq would send to its default host.
    QCOMPARE(ConnectionProfile::pgDsnWithPassword(QString(), QStringLiteral("pw")), QString());
    QCOMPARE(ConnectionProfile::pgDsnWithPassword(QStringLiteral("  "), QStringLiteral("pw")),
             QStringLiteral("  "));
    const PgConfig config(
        ConnectionProfile::pgDsnWithPassword(QStringLiteral("host=db"), QStringLiteral("pw")),
        ConnectionProfile::pgDsnWithPassword(QString(), QStringLiteral("pw")));
    QVERIFY(!config.hasReplica());
    QVERIFY(config.connectionString(PgTarget::Replica).find("host='db'") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestProfiles)
#include "tst_profiles.moc"
