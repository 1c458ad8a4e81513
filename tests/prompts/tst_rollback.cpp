// RollbackService against real Postgres and Redis: the one transaction (deployment + audit
// rows, through agentops.rollback_prompt), the notification (hash, published message,
// notification row), two operators racing on two connections, the evaluation guard and its
// override, Redis down after the commit and the retry, a viewer role refused by the
// database; and Redis never going backwards: the activation script keeps a newer deployment
// against an older one written after it, also with two consoles racing, and a retry of a
// deployment the hash already carries publishes nothing.
#include "PromptFixture.h"
#include "core/contract/ActivePrompt.h"
#include "core/contract/Keys.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/redis/RedisSubscriber.h"
#include "core/redis/RedisUri.h"
#include "core/services/PromptActivation.h"
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
    void refusalsAreAuditedWithTheirWords();
    void redisKeepsTheNewerDeployment();
    void racingConsolesNeverGoBackwards();
    void rollbackBehindANewerRedisIsNotNotified();
    void retryOfADeploymentRedisCarriesOnlyRecords();

private:
    PromptActivationResult activate(RedisClient &client, const QString &agent, qint64 id);
    PromptActivationResult activate(RedisClient &client, const ActivePrompt &prompt);
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

void TestRollback::refusalsAreAuditedWithTheirWords()
{
    RollbackService service(m_pool.get(), m_client.get(), Keys(), QStringLiteral("alice"),
                            QStringLiteral("a"));
    const qint64 seen = latestId(QStringLiteral("triage"));
    RollbackOutcome out
        = run(service, {QStringLiteral("triage"), 99, seen, QStringLiteral("r"), false, {}});
    QCOMPARE(out.code, RollbackOutcome::Refused);
    QVERIFY2(out.message.contains(QStringLiteral("has no version 99")), qPrintable(out.message));
    out = run(service, {QStringLiteral("triage"), 4, seen, QStringLiteral("r"), false, {}});
    QCOMPARE(out.code, RollbackOutcome::Refused);
    QVERIFY2(out.message.contains(QStringLiteral("already triage's active version")),
             qPrintable(out.message));
    out = run(service, {QStringLiteral("triage"), 3, seen - 1, QStringLiteral("r"), false, {}});
    QCOMPARE(out.code, RollbackOutcome::Raced);
    // Who changed it: the display name and the database role the server recorded.
    QCOMPARE(out.changedBy, QStringLiteral("deployer"));
    QCOMPARE(out.changedDbRole, QStringLiteral("postgres"));
    QCOMPARE(out.changedDeploymentId, seen);
    QVERIFY2(out.message.contains(QStringLiteral("changed by deployer (db: postgres)")),
             qPrintable(out.message));
    QVERIFY(out.auditId > 0);
    // Each refusal is one audit row with the words the operator saw; nothing was deployed.
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM agentops.operator_actions WHERE outcome = "
                                "'refused' AND action = 'rollback'")),
             QStringLiteral("3"));
    QCOMPARE(sql(QStringLiteral("SELECT detail->>'message' FROM agentops.operator_actions WHERE "
                                "id = %1")
                     .arg(out.auditId)),
             out.message);
    QCOMPARE(latestId(QStringLiteral("triage")), seen);
}

PromptActivationResult TestRollback::activate(RedisClient &client, const QString &agent, qint64 id)
{
    ActivePrompt a;
    a.agent = agent;
    a.version = id;
    a.model = QStringLiteral("m");
    a.deploymentId = id;
    a.deployedAt = 1795735767123 + id;
    return activate(client, a);
}

PromptActivationResult TestRollback::activate(RedisClient &client, const ActivePrompt &prompt)
{
    std::optional<PromptActivationResult> r;
    PromptActivation::activate(
        &client, Keys(), prompt, this, [&r](const PromptActivationResult &x) { r = x; }, 3000);
    if (!QTest::qWaitFor([&] { return r.has_value(); }, 10000))
        return {};
    return *r;
}

void TestRollback::redisKeepsTheNewerDeployment()
{
    RedisSubscriber subscriber(redisOptions());
    QSignalSpy subscribed(&subscriber, &RedisSubscriber::subscribed);
    QSignalSpy messages(&subscriber, &RedisSubscriber::message);
    subscriber.subscribe({Keys().promptActivated()});
    subscriber.open();
    QVERIFY(subscribed.wait(5000));
    QVERIFY(
        QTest::qWaitFor([&] { return m_client->state() == RedisConnection::State::Ready; }, 5000));
    // The server does not know the script yet: EVALSHA answers NOSCRIPT, EVAL follows.
    m_redis.cli({QStringLiteral("SCRIPT"), QStringLiteral("FLUSH")});
    // The newer deployment is written first, the older (a slower console) second.
    PromptActivationResult r = activate(*m_client, QStringLiteral("race"), 12);
    QVERIFY2(r.state == PromptActivationResult::Set, qPrintable(r.describe()));
    QCOMPARE(r.storedDeploymentId, 0);
    r = activate(*m_client, QStringLiteral("race"), 11);
    QCOMPARE(r.state, PromptActivationResult::Newer);
    QCOMPARE(r.storedDeploymentId, 12);
    QCOMPARE(r.describe(), QStringLiteral("a newer deployment #12 is already active in Redis"));
    QCOMPARE(m_redis
                 .cli({QStringLiteral("HGET"), QStringLiteral("agentops:prompt:race"),
                       QStringLiteral("deployment_id")})
                 .trimmed(),
             QByteArrayLiteral("12"));
    QCOMPARE(m_redis
                 .cli({QStringLiteral("HGET"), QStringLiteral("agentops:prompt:race"),
                       QStringLiteral("version")})
                 .trimmed(),
             QByteArrayLiteral("12"));
    // The same one again: "already", nothing published.
    r = activate(*m_client, QStringLiteral("race"), 12);
    QCOMPARE(r.state, PromptActivationResult::Already);
    // 9 < 12 as numbers, not as text; 100 > 12 although "100" < "12" as text.
    r = activate(*m_client, QStringLiteral("race"), 9);
    QCOMPARE(r.state, PromptActivationResult::Newer);
    r = activate(*m_client, QStringLiteral("race"), 100);
    QCOMPARE(r.state, PromptActivationResult::Set);
    QCOMPARE(r.storedDeploymentId, 12);
    // Ids past 2^53 (where a Lua number would round) still compare exactly.
    r = activate(*m_client, QStringLiteral("big"), 9007199254740993);
    QCOMPARE(r.state, PromptActivationResult::Set);
    r = activate(*m_client, QStringLiteral("big"), 9007199254740992);
    QCOMPARE(r.state, PromptActivationResult::Newer);
    // Published exactly for the three "set": 12, 100 and the big one.
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 3, 5000);
    QTest::qWait(200);
    QCOMPARE(messages.size(), 3);
    QList<qint64> published;
    for (const auto &m : messages)
        published
            << ActivePrompt::parseActivationMessage(m.at(1).toByteArray()).value().deploymentId;
    QCOMPARE(published, (QList<qint64> {12, 100, 9007199254740993}));
    // A hash whose deployment_id is not a number does not block the agent forever.
    m_redis.cli({QStringLiteral("HSET"), QStringLiteral("agentops:prompt:junk"),
                 QStringLiteral("deployment_id"), QStringLiteral("lots")});
    r = activate(*m_client, QStringLiteral("junk"), 5);
    QCOMPARE(r.state, PromptActivationResult::Set);
}

void TestRollback::racingConsolesNeverGoBackwards()
{
    // Two consoles on two connections send deployments n and n+1 of the same agent at the
    // same moment, in both orders: whatever lands first, the hash ends on n+1.
    RedisClient other(redisOptions());
    other.open();
    QVERIFY(QTest::qWaitFor(
        [&] {
            return m_client->state() == RedisConnection::State::Ready
                && other.state() == RedisConnection::State::Ready;
        },
        5000));
    int olderRefused = 0;
    for (int round = 0; round < 20; ++round) {
        const qint64 older = 100 + 2 * round;
        const qint64 newer = older + 1;
        ActivePrompt a;
        a.agent = QStringLiteral("racing");
        a.model = QStringLiteral("m");
        std::optional<PromptActivationResult> ro, rn;
        a.version = a.deploymentId = older;
        const ActivePrompt olderPrompt = a;
        a.version = a.deploymentId = newer;
        const ActivePrompt newerPrompt = a;
        RedisClient &first = round % 2 ? *m_client : other;
        RedisClient &second = round % 2 ? other : *m_client;
        PromptActivation::activate(
            &first, Keys(), round % 4 < 2 ? olderPrompt : newerPrompt, this,
            [&](const PromptActivationResult &x) { (round % 4 < 2 ? ro : rn) = x; }, 3000);
        PromptActivation::activate(
            &second, Keys(), round % 4 < 2 ? newerPrompt : olderPrompt, this,
            [&](const PromptActivationResult &x) { (round % 4 < 2 ? rn : ro) = x; }, 3000);
        QVERIFY(QTest::qWaitFor([&] { return ro && rn; }, 10000));
        QVERIFY2(rn->state == PromptActivationResult::Set, qPrintable(rn->describe()));
        QVERIFY2(ro->state == PromptActivationResult::Set
                     || ro->state == PromptActivationResult::Newer,
                 qPrintable(ro->describe()));
        if (ro->state == PromptActivationResult::Newer) {
            QCOMPARE(ro->storedDeploymentId, newer);
            ++olderRefused;
        }
        QCOMPARE(m_redis
                     .cli({QStringLiteral("HGET"), QStringLiteral("agentops:prompt:racing"),
                           QStringLiteral("deployment_id")})
                     .trimmed(),
                 QByteArray::number(newer));
    }
    qInfo("older deployment refused in %d of 20 rounds", olderRefused);
}

void TestRollback::rollbackBehindANewerRedisIsNotNotified()
{
    // Redis already carries a deployment newer than anything this database has: the
    // rollback commits, but agents are not moved back to it.
    m_redis.cli({QStringLiteral("HSET"), QStringLiteral("agentops:prompt:triage"),
                 QStringLiteral("version"), QStringLiteral("9"), QStringLiteral("model"),
                 QStringLiteral("m9"), QStringLiteral("deployment_id"), QStringLiteral("1000"),
                 QStringLiteral("deployed_at"), QStringLiteral("1795735767123")});
    RollbackService service(m_pool.get(), m_client.get(), Keys(), QStringLiteral("alice"),
                            QStringLiteral("a"));
    QVERIFY(
        QTest::qWaitFor([&] { return m_client->state() == RedisConnection::State::Ready; }, 5000));
    const qint64 seen = latestId(QStringLiteral("triage"));
    const RollbackOutcome out
        = run(service, {QStringLiteral("triage"), 3, seen, QStringLiteral("r"), false, {}});
    QVERIFY2(out.code == RollbackOutcome::NotNotified, qPrintable(out.message));
    QVERIFY(out.deploymentId > seen);
    QCOMPARE(out.notifyError,
             QStringLiteral("a newer deployment #1000 is already active in Redis"));
    QVERIFY2(out.message.contains(QStringLiteral("NOT told")), qPrintable(out.message));
    QCOMPARE(m_redis
                 .cli({QStringLiteral("HGET"), QStringLiteral("agentops:prompt:triage"),
                       QStringLiteral("deployment_id")})
                 .trimmed(),
             QByteArrayLiteral("1000"));
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM agentops.prompt_notifications")),
             QStringLiteral("0"));
    // The view sees it as "Redis has a newer one", not as something to retry.
    pqxx::connection c(m_pg.dsn(m_db).toStdString());
    pqxx::read_transaction tx(c);
    const auto pending = PromptQueries::unnotified(tx);
    QCOMPARE(pending.size(), 1);
    PromptDeploymentRow row = pending.first();
    row.redisDeploymentId = 1000;
    QCOMPARE(row.notified(), NotifiedState::NewerInRedis);
}

void TestRollback::retryOfADeploymentRedisCarriesOnlyRecords()
{
    // A deployment committed without Redis (no client), then a deployer-like writer sets
    // the hash without recording it: a retry finds the hash carrying it, publishes
    // nothing, and records the notification (audited as renotify, "already in redis").
    RollbackService offline(m_pool.get(), nullptr, Keys(), QStringLiteral("alice"),
                            QStringLiteral("a"));
    const qint64 seen = latestId(QStringLiteral("triage"));
    const RollbackOutcome out
        = run(offline, {QStringLiteral("triage"), 3, seen, QStringLiteral("r"), false, {}});
    QVERIFY2(out.code == RollbackOutcome::NotNotified, qPrintable(out.message));
    ActivePrompt a;
    a.agent = QStringLiteral("triage");
    a.version = 3;
    a.model = QStringLiteral("model-3");
    a.deploymentId = out.deploymentId;
    a.deployedAt = out.deployedAt;
    QVERIFY(
        QTest::qWaitFor([&] { return m_client->state() == RedisConnection::State::Ready; }, 5000));
    QCOMPARE(activate(*m_client, a).state, PromptActivationResult::Set);

    RedisSubscriber subscriber(redisOptions());
    QSignalSpy subscribed(&subscriber, &RedisSubscriber::subscribed);
    QSignalSpy messages(&subscriber, &RedisSubscriber::message);
    subscriber.subscribe({Keys().promptActivated()});
    subscriber.open();
    QVERIFY(subscribed.wait(5000));
    {
        pqxx::connection c(m_pg.dsn(m_db).toStdString());
        pqxx::read_transaction tx(c);
        PromptDeploymentRow row = PromptQueries::unnotified(tx).value(0);
        QCOMPARE(row.deployment.id, out.deploymentId);
        row.redisDeploymentId = out.deploymentId;
        QCOMPARE(row.notified(), NotifiedState::SeenInRedis);
    }
    RollbackService service(m_pool.get(), m_client.get(), Keys(), QStringLiteral("alice"),
                            QStringLiteral("a"));
    std::optional<RollbackOutcome> retry;
    service.renotify(out.deploymentId, [&retry](const RollbackOutcome &o) { retry = o; });
    QVERIFY(QTest::qWaitFor([&] { return retry.has_value(); }, 20000));
    QVERIFY2(retry->code == RollbackOutcome::Notified, qPrintable(retry->message));
    QVERIFY2(retry->message.contains(QStringLiteral("already been told")),
             qPrintable(retry->message));
    QTest::qWait(300);
    QCOMPARE(messages.size(), 0);
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM agentops.prompt_notifications WHERE "
                                "deployment_id = %1")
                     .arg(out.deploymentId)),
             QStringLiteral("1"));
    QCOMPARE(sql(QStringLiteral("SELECT action || ':' || outcome || ':' || (detail->>'state') "
                                "FROM agentops.operator_actions ORDER BY id DESC LIMIT 1")),
             QStringLiteral("renotify:succeeded:already in redis"));
}

QTEST_GUILESS_MAIN(TestRollback)
#include "tst_rollback.moc"
