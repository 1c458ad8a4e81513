// RollbackService against real Postgres and Redis: the one transaction (deployment + audit
// rows), the notification (hash, published message, notification row), two operators racing
// on two connections, the evaluation guard and its override, Redis down after the commit
// and the retry, and a viewer role refused by the database.
#include "PromptFixture.h"
#include "core/contract/ActivePrompt.h"
#include "core/contract/Keys.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/redis/RedisSubscriber.h"
#include "core/redis/RedisUri.h"
#include "core/services/PromptQueries.h"
#include "core/services/RollbackService.h"
#include "support/PostgresServer.h"
#include "support/RedisServer.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <optional>

using namespace switchboard;
using namespace switchboard::test;

class TestRollback : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void rollbackCommitsAndNotifies();
    void racingOperatorsOneWins();
    void failedEvaluationNeedsOverride();
    void redisDownThenRetry();
    void viewerIsRefusedByTheDatabase();
    void staleRetryIsNotSent();

private:
    RedisConnectionOptions redisOptions() const;
    RollbackOutcome run(RollbackService &service, const RollbackRequest &request);
    qint64 latestId(const QString &agent);
    QString sql(const QString &query);

    PostgresServer m_pg;
    RedisServer m_redis;
    QString m_db;
    int m_dbCount = 0;
    std::unique_ptr<PgPool> m_pool;
    std::unique_ptr<RedisClient> m_client;
};

RedisConnectionOptions TestRollback::redisOptions() const
{
    RedisConnectionOptions o = RedisUri::parse(m_redis.uri())->toOptions();
    o.commandTimeoutMs = 1500;
    o.connectTimeoutMs = 1500;
    return o;
}

void TestRollback::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
    // The roles are cluster-wide and made by the first migration.
    QVERIFY2(m_pg.createDatabase(QStringLiteral("roles")), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createLogin(QStringLiteral("viewer_login"), QStringLiteral("pw"),
                              {QStringLiteral("agentops_viewer")}),
             qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createLogin(QStringLiteral("operator_login"), QStringLiteral("pw"),
                              {QStringLiteral("agentops_operator")}),
             qPrintable(m_pg.error()));
}

void TestRollback::init()
{
    m_client.reset();
    m_pool.reset();
    m_db = QStringLiteral("rb%1").arg(++m_dbCount);
    QVERIFY2(m_pg.createDatabase(m_db), qPrintable(m_pg.error()));
    bool ok = false;
    m_pg.psql(m_db, promptHistorySql(QStringLiteral("triage"), 4, {2}), &ok);
    QVERIFY(ok);
    m_pg.psql(m_db, QStringLiteral("GRANT CONNECT ON DATABASE %1 TO PUBLIC").arg(m_db), &ok);
    m_redis.cli({QStringLiteral("FLUSHALL")});
    m_pool = std::make_unique<PgPool>(PgConfig(m_pg.dsn(m_db)), 2);
    m_client = std::make_unique<RedisClient>(redisOptions());
    m_client->open();
}

QString TestRollback::sql(const QString &query)
{
    bool ok = false;
    const QByteArray out = m_pg.psql(m_db, query, &ok);
    if (!ok)
        qWarning("psql failed: %s", qPrintable(query));
    return QString::fromUtf8(out).trimmed();
}

qint64 TestRollback::latestId(const QString &agent)
{
    return sql(QStringLiteral("SELECT max(id) FROM agentops.prompt_deployments WHERE agent = '%1'")
                   .arg(agent))
        .toLongLong();
}

RollbackOutcome TestRollback::run(RollbackService &service, const RollbackRequest &request)
{
    std::optional<RollbackOutcome> out;
    service.rollback(request, [&out](const RollbackOutcome &o) { out = o; });
    if (!QTest::qWaitFor([&] { return out.has_value(); }, 20000)) {
        RollbackOutcome timedOut;
        timedOut.message = QStringLiteral("timed out");
        return timedOut;
    }
    return *out;
}

void TestRollback::rollbackCommitsAndNotifies()
{
    RedisSubscriber subscriber(redisOptions());
    QSignalSpy subscribed(&subscriber, &RedisSubscriber::subscribed);
    QSignalSpy messages(&subscriber, &RedisSubscriber::message);
    subscriber.subscribe({Keys().promptActivated()});
    subscriber.open();
    QVERIFY(subscribed.wait(5000));

    RollbackService service(m_pool.get(), m_client.get(), Keys(), QStringLiteral("alice"),
                            QStringLiteral("laptop"));
    const qint64 seen = latestId(QStringLiteral("triage"));
    RollbackRequest r {
        QStringLiteral("triage"), 3, seen, QStringLiteral("v4 loops on tools"), false, {}};
    const RollbackOutcome out = run(service, r);
    QVERIFY2(out.code == RollbackOutcome::Notified, qPrintable(out.message));
    QCOMPARE(out.fromVersion, 4);
    QCOMPARE(out.toVersion, 3);
    QVERIFY(out.deploymentId > seen);
    QVERIFY2(out.message.contains(QStringLiteral("from version 4 to version 3")),
             qPrintable(out.message));

    // Postgres: the deployment row, its audit row, its notification row.
    QCOMPARE(sql(QStringLiteral("SELECT version, kind, deployed_by, reason, previous_version, "
                                "previous_deployment_id FROM agentops.prompt_deployments WHERE "
                                "id = %1")
                     .arg(out.deploymentId)),
             QStringLiteral("3|rollback|alice|v4 loops on tools|4|%1").arg(seen));
    QCOMPARE(
        sql(QStringLiteral("SELECT operator, client_host, action, target, outcome, "
                           "params->>'to_version', detail->>'deployment_id' FROM "
                           "agentops.operator_actions")),
        QStringLiteral("alice|laptop|rollback|prompt:triage|succeeded|3|%1").arg(out.deploymentId));
    QCOMPARE(sql(QStringLiteral("SELECT notified_by FROM agentops.prompt_notifications WHERE "
                                "deployment_id = %1")
                     .arg(out.deploymentId)),
             QStringLiteral("alice"));
    QVERIFY(!sql(QStringLiteral("SELECT notified_at FROM agentops.prompt_deployment_status "
                                "WHERE id = %1")
                     .arg(out.deploymentId))
                 .isEmpty());

    // Redis: the hash agents read, and the message they were sent.
    const QByteArray hash
        = m_redis.cli({QStringLiteral("HGET"), QStringLiteral("agentops:prompt:triage"),
                       QStringLiteral("version")});
    QCOMPARE(hash.trimmed(), QByteArrayLiteral("3"));
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 1, 5000);
    const auto parsed = ActivePrompt::parseActivationMessage(messages.at(0).at(1).toByteArray());
    QVERIFY2(parsed.isOk(), qPrintable(parsed.message()));
    QCOMPARE(parsed.value().version, 3);
    QCOMPARE(parsed.value().deploymentId, out.deploymentId);
    QCOMPARE(parsed.value().model, QStringLiteral("model-3"));
}

void TestRollback::racingOperatorsOneWins()
{
    // Two consoles, two connections, both looking at the same active deployment.
    PgPool otherPool(PgConfig(m_pg.dsn(m_db)), 1);
    RollbackService alice(m_pool.get(), m_client.get(), Keys(), QStringLiteral("alice"),
                          QStringLiteral("a"));
    RollbackService bob(&otherPool, m_client.get(), Keys(), QStringLiteral("bob"),
                        QStringLiteral("b"));
    const qint64 seen = latestId(QStringLiteral("triage"));
    std::optional<RollbackOutcome> a, b;
    alice.rollback({QStringLiteral("triage"), 3, seen, QStringLiteral("alice's reason"), false, {}},
                   [&a](const RollbackOutcome &o) { a = o; });
    bob.rollback({QStringLiteral("triage"), 1, seen, QStringLiteral("bob's reason"), false, {}},
                 [&b](const RollbackOutcome &o) { b = o; });
    QVERIFY(QTest::qWaitFor([&] { return a && b; }, 20000));
    QVERIFY2(a->committed() != b->committed(),
             qPrintable(a->message + QLatin1Char('\n') + b->message));
    const RollbackOutcome &winner = a->committed() ? *a : *b;
    const RollbackOutcome &loser = a->committed() ? *b : *a;
    const QString winnerName = a->committed() ? QStringLiteral("alice") : QStringLiteral("bob");
    QCOMPARE(loser.code, RollbackOutcome::Raced);
    QCOMPARE(loser.changedBy, winnerName);
    QCOMPARE(loser.changedDeploymentId, winner.deploymentId);
    QVERIFY(loser.changedAt > 0);
    QVERIFY2(loser.message.contains(winnerName), qPrintable(loser.message));
    // Exactly one new deployment; the loser's attempt is audited as refused.
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM agentops.prompt_deployments WHERE id > %1")
                     .arg(seen)),
             QStringLiteral("1"));
    QCOMPARE(sql(QStringLiteral("SELECT string_agg(outcome, ',' ORDER BY id) FROM "
                                "agentops.operator_actions")),
             QStringLiteral("succeeded,refused"));
}

void TestRollback::failedEvaluationNeedsOverride()
{
    RollbackService service(m_pool.get(), m_client.get(), Keys(), QStringLiteral("alice"),
                            QStringLiteral("a"));
    const qint64 seen = latestId(QStringLiteral("triage"));
    RollbackOutcome out
        = run(service, {QStringLiteral("triage"), 2, seen, QStringLiteral("try 2"), false, {}});
    QCOMPARE(out.code, RollbackOutcome::FailedEval);
    QVERIFY2(out.message.contains(QStringLiteral("failed its evaluation")),
             qPrintable(out.message));
    QCOMPARE(latestId(QStringLiteral("triage")), seen);

    // An override without its own reason is refused before anything is sent.
    out = run(service, {QStringLiteral("triage"), 2, seen, QStringLiteral("try 2"), true, {}});
    QCOMPARE(out.code, RollbackOutcome::Refused);
    QCOMPARE(latestId(QStringLiteral("triage")), seen);

    out = run(service,
              {QStringLiteral("triage"), 2, seen, QStringLiteral("try 2"), true,
               QStringLiteral("eval suite is flaky, checked by hand")});
    QVERIFY2(out.code == RollbackOutcome::Notified, qPrintable(out.message));
    QCOMPARE(
        sql(QStringLiteral("SELECT params->>'override_failed_eval', params->>'override_reason' "
                           "FROM agentops.operator_actions WHERE outcome = 'succeeded'")),
        QStringLiteral("true|eval suite is flaky, checked by hand"));
}

void TestRollback::redisDownThenRetry()
{
    RollbackService service(m_pool.get(), m_client.get(), Keys(), QStringLiteral("alice"),
                            QStringLiteral("a"));
    QVERIFY(
        QTest::qWaitFor([&] { return m_client->state() == RedisConnection::State::Ready; }, 5000));
    m_redis.stop();
    const qint64 seen = latestId(QStringLiteral("triage"));
    const RollbackOutcome out
        = run(service, {QStringLiteral("triage"), 3, seen, QStringLiteral("r"), false, {}});
    QVERIFY2(out.code == RollbackOutcome::NotNotified, qPrintable(out.message));
    QVERIFY(out.deploymentId > seen);
    QVERIFY2(out.message.contains(QStringLiteral("NOT notified")), qPrintable(out.message));
    QVERIFY(!out.notifyError.isEmpty());
    // Committed, nothing lost: the view and a restarted console find it unnotified.
    QCOMPARE(sql(QStringLiteral("SELECT coalesce(notified_at::text, 'null') FROM "
                                "agentops.prompt_deployment_status WHERE id = %1")
                     .arg(out.deploymentId)),
             QStringLiteral("null"));
    {
        pqxx::connection c(m_pg.dsn(m_db).toStdString());
        pqxx::read_transaction tx(c);
        const auto pending = PromptQueries::unnotified(tx);
        QCOMPARE(pending.size(), 1);
        QCOMPARE(pending.first().deployment.id, out.deploymentId);
    }

    QVERIFY(m_redis.restart());
    QVERIFY(
        QTest::qWaitFor([&] { return m_client->state() == RedisConnection::State::Ready; }, 15000));
    std::optional<RollbackOutcome> retry;
    service.renotify(out.deploymentId, [&retry](const RollbackOutcome &o) { retry = o; });
    QVERIFY(QTest::qWaitFor([&] { return retry.has_value(); }, 20000));
    QVERIFY2(retry->code == RollbackOutcome::Notified, qPrintable(retry->message));
    QCOMPARE(m_redis
                 .cli({QStringLiteral("HGET"), QStringLiteral("agentops:prompt:triage"),
                       QStringLiteral("deployment_id")})
                 .trimmed(),
             QByteArray::number(out.deploymentId));
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM agentops.prompt_notifications")),
             QStringLiteral("1"));
    QCOMPARE(sql(QStringLiteral("SELECT action || ':' || outcome FROM agentops.operator_actions "
                                "ORDER BY id DESC LIMIT 1")),
             QStringLiteral("renotify:succeeded"));
}

void TestRollback::viewerIsRefusedByTheDatabase()
{
    PgPool viewerPool(
        PgConfig(m_pg.loginDsn(QStringLiteral("viewer_login"), QStringLiteral("pw"), m_db)), 1);
    {
        pqxx::connection c(m_pg.loginDsn(QStringLiteral("viewer_login"), QStringLiteral("pw"), m_db)
                               .toStdString());
        pqxx::read_transaction tx(c);
        const PromptPermissions p = PromptQueries::permissions(tx);
        QVERIFY(!p.canRollback);
        QVERIFY2(p.reason.contains(QStringLiteral("viewer_login")), qPrintable(p.reason));
    }
    {
        pqxx::connection c(
            m_pg.loginDsn(QStringLiteral("operator_login"), QStringLiteral("pw"), m_db)
                .toStdString());
        pqxx::read_transaction tx(c);
        QVERIFY(PromptQueries::permissions(tx).canRollback);
    }
    RollbackService service(&viewerPool, m_client.get(), Keys(), QStringLiteral("eve"),
                            QStringLiteral("e"));
    const qint64 seen = latestId(QStringLiteral("triage"));
    const RollbackOutcome out
        = run(service, {QStringLiteral("triage"), 3, seen, QStringLiteral("r"), false, {}});
    QVERIFY2(out.code == RollbackOutcome::NoPermission, qPrintable(out.message));
    QVERIFY2(out.message.contains(QStringLiteral("permission denied")), qPrintable(out.message));
    QCOMPARE(latestId(QStringLiteral("triage")), seen);
    QVERIFY(
        m_redis.cli({QStringLiteral("EXISTS"), QStringLiteral("agentops:prompt:triage")}).trimmed()
        == QByteArrayLiteral("0"));

    // The operator role can.
    PgPool operatorPool(
        PgConfig(m_pg.loginDsn(QStringLiteral("operator_login"), QStringLiteral("pw"), m_db)), 1);
    RollbackService op(&operatorPool, m_client.get(), Keys(), QStringLiteral("olga"),
                       QStringLiteral("o"));
    const RollbackOutcome ok
        = run(op, {QStringLiteral("triage"), 3, seen, QStringLiteral("r"), false, {}});
    QVERIFY2(ok.code == RollbackOutcome::Notified, qPrintable(ok.message));
}

void TestRollback::staleRetryIsNotSent()
{
    // A retry of a deployment that is no longer the latest would activate the wrong version.
    RollbackService service(m_pool.get(), m_client.get(), Keys(), QStringLiteral("alice"),
                            QStringLiteral("a"));
    const qint64 first = latestId(QStringLiteral("triage")) - 1;
    std::optional<RollbackOutcome> retry;
    service.renotify(first, [&retry](const RollbackOutcome &o) { retry = o; });
    QVERIFY(QTest::qWaitFor([&] { return retry.has_value(); }, 20000));
    QCOMPARE(retry->code, RollbackOutcome::Raced);
    QVERIFY2(retry->message.contains(QStringLiteral("no longer the latest")),
             qPrintable(retry->message));
    QCOMPARE(
        m_redis.cli({QStringLiteral("EXISTS"), QStringLiteral("agentops:prompt:triage")}).trimmed(),
        QByteArrayLiteral("0"));
}

QTEST_GUILESS_MAIN(TestRollback)
#include "tst_rollback.moc"
