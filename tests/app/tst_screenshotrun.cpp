// `switchboard --trace auto --screenshot DIR` changes nothing in the servers it is pointed
// at: the built binary against a real Postgres filled by the simulator (sessions with
// recovery events, so the Traces view opens one) and a real Redis. It writes its PNGs and
// nothing else: no export files, no audit row, no command on a control stream, even with
// the old demo hook's variable (SB_SHOT_RELOAD) set in its environment.
#include "../traces/TraceFixture.h"
#include "support/RedisServer.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace switchboard;
using namespace switchboard::test;

class TestScreenshotRun : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(m_fx.start(), qPrintable(m_fx.error));
        QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
    }

    void screenshotRunWritesNothingIntoTheServers()
    {
        const QByteArray auditBefore
            = m_fx.scalar(QStringLiteral("SELECT count(*) FROM agentops.operator_actions"));
        // The search the Traces view runs (sessions with recovery events) finds some.
        QVERIFY(m_fx.scalar(QStringLiteral(
                                "SELECT count(*) FROM agentops.sessions WHERE had_recovery_events"))
                    .toInt()
                > 0);
        QTemporaryDir dir;
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("SB_SHOT_RELOAD"), QStringLiteral("demo-pm2-host/reasoner"));
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral(SWITCHBOARD_BIN),
                {QStringLiteral("--redis"), m_redis.uri(), QStringLiteral("--pg"), m_fx.dsn(),
                 QStringLiteral("--operator"), QStringLiteral("shot"), QStringLiteral("--trace"),
                 QStringLiteral("auto"), QStringLiteral("--screenshot"), dir.path(),
                 QStringLiteral("--screenshot-delay"), QStringLiteral("6000")});
        QVERIFY(p.waitForFinished(90000));
        const QString out = QString::fromUtf8(p.readAll());
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QVERIFY2(p.exitCode() == 0, qPrintable(out));

        // What it is for: a PNG of each view, and of the trace search it ran.
        const QStringList files = QDir(dir.path()).entryList(QDir::Files, QDir::Name);
        for (const char *shot :
             {"processes.png", "sessions.png", "traces.png", "traces-search.png"})
            QVERIFY2(files.contains(QString::fromLatin1(shot)), qPrintable(files.join(u' ')));
        // Nothing else: only PNGs (no trace-report.html / .json export).
        for (const QString &f : files)
            QVERIFY2(f.endsWith(QStringLiteral(".png")), qPrintable(f));
        QCOMPARE(m_fx.scalar(QStringLiteral("SELECT count(*) FROM agentops.operator_actions")),
                 auditBefore);
        // No command sent: no control stream exists in the Redis it was pointed at.
        QCOMPARE(m_redis
                     .cli({QStringLiteral("SCAN"), QStringLiteral("0"), QStringLiteral("MATCH"),
                           QStringLiteral("agentops:control*"), QStringLiteral("COUNT"),
                           QStringLiteral("10000")})
                     .trimmed(),
                 QByteArray("0"));
    }

private:
    TraceFixture m_fx;
    RedisServer m_redis;
};

QTEST_GUILESS_MAIN(TestScreenshotRun)
#include "tst_screenshotrun.moc"
