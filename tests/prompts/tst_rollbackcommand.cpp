// `switchboard rollback` run as a process (no display), against real Postgres and Redis:
// each outcome has its own exit status and says exactly what happened.
#include "PromptFixture.h"
#include "support/Ports.h"
#include "support/PostgresServer.h"
#include "support/RedisServer.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTest>

using namespace switchboard::test;

class TestRollbackCommand : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void rollsBackAndNotifies();
    void failedEvaluationAndOverride();
    void staleExpectationIsARace();
    void viewerIsRefused();
    void unknownVersionIsRefused();
    void redisUnreachableIsNotNotified();
    void badCommandLine();

private:
    struct Result
    {
        int exitCode = -1;
        QString out, err;
    };
    Result run(const QStringList &args, const QString &dsn = {}, const QString &redis = {});
    QString sql(const QString &query);

    PostgresServer m_pg;
    RedisServer m_redis;
    QString m_db;
    int m_count = 0;
};

TestRollbackCommand::Result TestRollbackCommand::run(const QStringList &args, const QString &dsn,
                                                     const QString &redis)
{
    QProcess p;
    p.setProgram(QStringLiteral(SWITCHBOARD_BIN));
    // A password never goes on the command line (the CLI refuses it): PGPASSWORD instead.
    QString pgDsn = dsn.isEmpty() ? m_pg.dsn(m_db) : dsn;
    static const QRegularExpression password(QStringLiteral(" ?password='([^']*)'"));
    const auto m = password.match(pgDsn);
    const QString pgPassword = m.hasMatch() ? m.captured(1) : QString();
    pgDsn.remove(password);
    QStringList all {QStringLiteral("rollback"),
                     QStringLiteral("--pg"),
                     pgDsn,
                     QStringLiteral("--redis"),
                     redis.isEmpty() ? m_redis.uri() : redis,
                     QStringLiteral("--operator"),
                     QStringLiteral("script")};
    p.setArguments(all + args);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("QT_QPA_PLATFORM")); // as over ssh: no window system
    env.remove(QStringLiteral("DISPLAY"));
    if (!pgPassword.isEmpty())
        env.insert(QStringLiteral("PGPASSWORD"), pgPassword);
    p.setProcessEnvironment(env);
    p.start();
    Result r;
    if (!p.waitForFinished(60000))
        return r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromLocal8Bit(p.readAllStandardOutput());
    r.err = QString::fromLocal8Bit(p.readAllStandardError());
    return r;
}

QString TestRollbackCommand::sql(const QString &query)
{
    return QString::fromUtf8(m_pg.psql(m_db, query)).trimmed();
}

void TestRollbackCommand::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
    QVERIFY2(m_pg.createDatabase(QStringLiteral("roles")), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createLogin(QStringLiteral("viewer_cli"), QStringLiteral("pw"),
                              {QStringLiteral("agentops_viewer")}),
             qPrintable(m_pg.error()));
}

void TestRollbackCommand::init()
{
    m_db = QStringLiteral("cli%1").arg(++m_count);
    QVERIFY2(m_pg.createDatabase(m_db), qPrintable(m_pg.error()));
    bool ok = false;
    m_pg.psql(m_db, promptHistorySql(QStringLiteral("triage"), 3, {1}), &ok);
    QVERIFY(ok);
}

void TestRollbackCommand::rollsBackAndNotifies()
{
    const Result r
        = run({QStringLiteral("--agent"), QStringLiteral("triage"), QStringLiteral("--to"),
               QStringLiteral("2"), QStringLiteral("--reason"), QStringLiteral("v3 hallucinates")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
    QVERIFY2(r.out.contains(QStringLiteral("current: triage version 3")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("Rolled back triage from version 3 to version 2")),
             qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("Agents notified")), qPrintable(r.out));
    QCOMPARE(sql(QStringLiteral("SELECT version || ':' || deployed_by || ':' || reason FROM "
                                "agentops.prompt_deployment_status WHERE notified_at IS NOT NULL")),
             QStringLiteral("2:script:v3 hallucinates"));
    QCOMPARE(m_redis
                 .cli({QStringLiteral("HGET"), QStringLiteral("agentops:prompt:triage"),
                       QStringLiteral("version")})
                 .trimmed(),
             QByteArrayLiteral("2"));
}

void TestRollbackCommand::failedEvaluationAndOverride()
{
    const QStringList base {QStringLiteral("--agent"),  QStringLiteral("triage"),
                            QStringLiteral("--to"),     QStringLiteral("1"),
                            QStringLiteral("--reason"), QStringLiteral("back to 1")};
    Result r = run(base);
    QCOMPARE(r.exitCode, 4);
    QVERIFY2(r.err.contains(QStringLiteral("failed its evaluation")), qPrintable(r.err));
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM agentops.prompt_deployments")),
             QStringLiteral("3"));
    r = run(base
            + QStringList {QStringLiteral("--override-failed-eval"),
                           QStringLiteral("--override-reason"), QStringLiteral("suite broken")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
    QCOMPARE(sql(QStringLiteral("SELECT params->>'override_reason' FROM agentops.operator_actions "
                                "WHERE outcome = 'succeeded'")),
             QStringLiteral("suite broken"));
}

void TestRollbackCommand::staleExpectationIsARace()
{
    const QString first = sql(QStringLiteral("SELECT min(id) FROM agentops.prompt_deployments"));
    const Result r = run({QStringLiteral("--agent"), QStringLiteral("triage"),
                          QStringLiteral("--to"), QStringLiteral("2"), QStringLiteral("--reason"),
                          QStringLiteral("r"), QStringLiteral("--expect-deployment"), first});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(QStringLiteral("changed by deployer")), qPrintable(r.err));
}

void TestRollbackCommand::viewerIsRefused()
{
    const Result r
        = run({QStringLiteral("--agent"), QStringLiteral("triage"), QStringLiteral("--to"),
               QStringLiteral("2"), QStringLiteral("--reason"), QStringLiteral("r")},
              m_pg.loginDsn(QStringLiteral("viewer_cli"), QStringLiteral("pw"), m_db));
    QCOMPARE(r.exitCode, 5);
    QVERIFY2(r.err.contains(QStringLiteral("permission denied")), qPrintable(r.err));
}

void TestRollbackCommand::unknownVersionIsRefused()
{
    const Result r
        = run({QStringLiteral("--agent"), QStringLiteral("triage"), QStringLiteral("--to"),
               QStringLiteral("99"), QStringLiteral("--reason"), QStringLiteral("r")});
    QCOMPARE(r.exitCode, 6);
    QVERIFY2(r.err.contains(QStringLiteral("has no version 99")), qPrintable(r.err));
}

void TestRollbackCommand::redisUnreachableIsNotNotified()
{
    const QString dead = QStringLiteral("redis://127.0.0.1:%1").arg(freeLoopbackPort());
    const Result r
        = run({QStringLiteral("--agent"), QStringLiteral("triage"), QStringLiteral("--to"),
               QStringLiteral("2"), QStringLiteral("--reason"), QStringLiteral("r")},
              {}, dead);
    QCOMPARE(r.exitCode, 7);
    QVERIFY2(r.out.contains(QStringLiteral("NOT notified")), qPrintable(r.out));
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM agentops.prompt_deployment_status WHERE "
                                "kind = 'rollback' AND notified_at IS NULL")),
             QStringLiteral("1"));
}

void TestRollbackCommand::badCommandLine()
{
    const Result r = run({QStringLiteral("--agent"), QStringLiteral("triage"),
                          QStringLiteral("--to"), QStringLiteral("2")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("--reason")), qPrintable(r.err));
}

QTEST_GUILESS_MAIN(TestRollbackCommand)
#include "tst_rollbackcommand.moc"
