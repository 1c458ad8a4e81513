// One console per profile: the built binary, started twice for the same profile (QProcess,
// offscreen), leaves one console: the second exits 0 within seconds and the first logs
// that it was asked to raise its window. Another profile opens its own console. A socket
// file left by a console killed with SIGKILL is replaced by the next start.
#include "app/SingleInstance.h"
#include "core/services/ConnectionProfile.h"
#include "core/services/ProfileStore.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QLocalSocket>
#include <QProcess>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>
#include <memory>
#include <vector>

using namespace switchboard;

namespace {
// Generous: a Debug build with address sanitizer on a loaded 2-core machine.
constexpr int kStartMs = 60000;

bool waitFor(const std::function<bool()> &done, int ms)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > ms)
            return false;
        QTest::qWait(50);
    }
    return true;
}
} // namespace

class TestSingleInstance : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        // The child consoles and this test agree on the socket's place: the same runtime
        // directory and user.
        const QString runtime = m_home.filePath(QStringLiteral("runtime"));
        QVERIFY(QDir().mkpath(runtime));
        QVERIFY(
            QFile::setPermissions(runtime, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        qputenv("XDG_RUNTIME_DIR", runtime.toUtf8());
        qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral("config")).toUtf8());
        qputenv("HOME", m_home.path().toUtf8());
        qputenv("QT_QPA_PLATFORM", "offscreen");
        if (qEnvironmentVariableIsEmpty("USER"))
            qputenv("USER", "sbtest");

        // A saved profile "other", as the profile dialog would save it, pointing at ports
        // nothing listens on (the console shows them as down and keeps running).
        QSettings settings(m_home.filePath(QStringLiteral("config/switchboard/switchboard.conf")),
                           QSettings::IniFormat);
        ProfileStore store(settings);
        ConnectionProfile other;
        other.name = QStringLiteral("other");
        other.redisUri = QStringLiteral("redis://127.0.0.1:1");
        other.pgDsn = QStringLiteral("host=127.0.0.1 port=1 dbname=agentops");
        QString error;
        QVERIFY2(store.save(other, &error), qPrintable(error));
    }

    // Every test starts with no socket file: a console killed by the previous test's
    // cleanup leaves its file behind (that case is socketLeftByACrashIsReplaced's).
    void init()
    {
        QDir runtime(m_home.filePath(QStringLiteral("runtime")));
        for (const QString &f : runtime.entryList(QDir::Files | QDir::System | QDir::Hidden))
            QVERIFY(runtime.remove(f));
    }

    void cleanup()
    {
        for (auto &p : m_procs) {
            if (p->state() != QProcess::NotRunning) {
                p->kill();
                p->waitForFinished(10000);
            }
        }
        m_procs.clear();
        m_out.clear();
    }

    void secondStartRaisesTheFirst()
    {
        QProcess *first = start({});
        const QString sock = SingleInstance::socketPath(QString());
        QVERIFY2(waitFor([&] { return QFileInfo::exists(sock); }, kStartMs),
                 qPrintable(output(first)));
        QCOMPARE(first->state(), QProcess::Running);

        QElapsedTimer t;
        t.start();
        QProcess *second = start({});
        QVERIFY(second->waitForFinished(kStartMs));
        const qint64 secondMs = t.elapsed();
        const QString secondOut = output(second);
        QCOMPARE(second->exitStatus(), QProcess::NormalExit);
        QVERIFY2(second->exitCode() == 0, qPrintable(secondOut));
        QVERIFY2(secondOut.contains(QStringLiteral("already open")), qPrintable(secondOut));
        qInfo("second start exited 0 after %lld ms", secondMs);
        QVERIFY2(secondMs < 20000, qPrintable(QString::number(secondMs)));

        // The first one heard it, and is still the one console.
        QVERIFY2(waitFor([&] { return m_out[first].contains("raising the window"); }, 10000),
                 qPrintable(output(first)));
        QCOMPARE(first->state(), QProcess::Running);
        QCOMPARE(m_out[first].count("raising the window"), 1);
    }

    void anotherProfileOpensNormally()
    {
        QProcess *def = start({});
        QVERIFY(waitFor([&] { return QFileInfo::exists(SingleInstance::socketPath(QString())); },
                        kStartMs));
        QProcess *other = start({QStringLiteral("--profile"), QStringLiteral("other")});
        const QString otherSock = SingleInstance::socketPath(QStringLiteral("other"));
        QVERIFY(otherSock != SingleInstance::socketPath(QString()));
        QVERIFY2(waitFor([&] { return QFileInfo::exists(otherSock); }, kStartMs),
                 qPrintable(output(other)));
        QTest::qWait(500);
        QCOMPARE(other->state(), QProcess::Running);
        QCOMPARE(def->state(), QProcess::Running);
        QVERIFY(!m_out[def].contains("raising the window"));
        QVERIFY(!m_out[other].contains("already open"));

        // A second start of "other" raises "other", not the default profile's console.
        QProcess *again = start({QStringLiteral("--profile"), QStringLiteral("other")});
        QVERIFY(again->waitForFinished(kStartMs));
        QCOMPARE(again->exitCode(), 0);
        QVERIFY(waitFor([&] { return m_out[other].contains("raising the window"); }, 10000));
        QVERIFY(!m_out[def].contains("raising the window"));

        // --screenshot runs and ad-hoc targets never take part.
        QProcess *adHoc = start({QStringLiteral("--redis"), QStringLiteral("redis://127.0.0.1:1")});
        QTest::qWait(3000);
        QCOMPARE(adHoc->state(), QProcess::Running);
        QVERIFY(!m_out[def].contains("raising the window"));
    }

    void socketLeftByACrashIsReplaced()
    {
        const QString sock = SingleInstance::socketPath(QString());
        QProcess *first = start({});
        QVERIFY(waitFor([&] { return QFileInfo::exists(sock); }, kStartMs));
        first->kill(); // SIGKILL: no chance to remove its socket
        QVERIFY(first->waitForFinished(10000));
        QVERIFY2(QFileInfo::exists(sock), "the killed console's socket file should be left");
        QLocalSocket probe;
        probe.connectToServer(sock);
        QVERIFY(!probe.waitForConnected(1000)); // stale: nobody answers

        QProcess *next = start({});
        // It takes the name over: the test, talking to the socket as a second start would,
        // gets the answer, and the console logs the request.
        QVERIFY2(waitFor(
                     [&] {
                         QLocalSocket s;
                         s.connectToServer(sock);
                         if (!s.waitForConnected(500))
                             return false;
                         s.write("raise\n");
                         s.flush();
                         return s.waitForReadyRead(2000) && s.readAll() == "raised\n";
                     },
                     kStartMs),
                 qPrintable(output(next)));
        QVERIFY(waitFor([&] { return m_out[next].contains("raising the window"); }, 10000));
        QCOMPARE(next->state(), QProcess::Running);
    }

private:
    QProcess *start(const QStringList &args)
    {
        auto p = std::make_unique<QProcess>();
        QProcess *raw = p.get();
        raw->setProcessChannelMode(QProcess::MergedChannels);
        connect(raw, &QProcess::readyRead, this, [this, raw] { m_out[raw] += raw->readAll(); });
        raw->start(QStringLiteral(SWITCHBOARD_BIN), args);
        m_procs.push_back(std::move(p));
        return raw;
    }

    QString output(QProcess *p) { return QString::fromUtf8(m_out[p]); }

    QTemporaryDir m_home;
    std::vector<std::unique_ptr<QProcess>> m_procs;
    QHash<QProcess *, QByteArray> m_out;
};

QTEST_GUILESS_MAIN(TestSingleInstance)
#include "tst_singleinstance.moc"
