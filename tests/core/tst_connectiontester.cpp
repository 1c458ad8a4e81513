// "Test connection" and the status-bar Redis backend against real servers: versions and
// round trips on success, the server's own reason on failure, and never a hang.
#include "core/services/ConnectionTester.h"
#include "core/services/RedisBackend.h"
#include "support/PostgresServer.h"
#include "support/RedisServer.h"

#include <QElapsedTimer>
#include <QTest>

using namespace switchboard;
using namespace switchboard::test;

class TestConnectionTester : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void bothOk();
    void wrongRedisPasswordAndDeadPostgres();
    void destroyedContextGetsNothing();
    void redisBackendFollowsServer();

private:
    ConnectionTestResults runTest(const ConnectionProfile &p, const QString &redisPassword);
    RedisServer m_redis {
        RedisOptions {false, nullptr, false, QStringLiteral("s3cret"), {}, {}, 0, {}}};
    PostgresServer m_pg;
};

void TestConnectionTester::initTestCase()
{
    QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
}

ConnectionTestResults TestConnectionTester::runTest(const ConnectionProfile &p,
                                                    const QString &redisPassword)
{
    ConnectionTestResults out;
    bool done = false;
    QObject context;
    ConnectionTester::run(
        p, redisPassword, QString(), &context,
        [&](ConnectionTestResults r) {
            out = r;
            done = true;
        },
        4000);
    [&] {
        QTRY_VERIFY_WITH_TIMEOUT(done, 15000);
    }();
    return out;
}

static const ConnectionTestResult *find(const ConnectionTestResults &results,
                                        const QString &backend)
{
    for (const auto &r : results)
        if (r.backend == backend)
            return &r;
    return nullptr;
}

void TestConnectionTester::bothOk()
{
    ConnectionProfile p;
    p.name = QStringLiteral("t");
    p.redisUri = QStringLiteral("redis://127.0.0.1:%1/0").arg(m_redis.port());
    p.pgDsn = m_pg.dsn();
    const ConnectionTestResults r = runTest(p, QStringLiteral("s3cret"));
    QCOMPARE(r.size(), 2);
    const auto *redis = find(r, QStringLiteral("Redis"));
    const auto *pg = find(r, QStringLiteral("Postgres"));
    QVERIFY(redis && pg);
    QVERIFY2(redis->ok, qPrintable(redis->message));
    QVERIFY(redis->serverVersion.startsWith(QStringLiteral("Redis 7")));
    QVERIFY(redis->roundTripMs >= 0);
    QVERIFY2(pg->ok, qPrintable(pg->message));
    QVERIFY2(pg->serverVersion.startsWith(QStringLiteral("PostgreSQL 15")),
             qPrintable(pg->serverVersion));
    QVERIFY(pg->toText().contains(QStringLiteral("round trip")));
}

void TestConnectionTester::wrongRedisPasswordAndDeadPostgres()
{
    ConnectionProfile p;
    p.name = QStringLiteral("t");
    p.redisUri = QStringLiteral("redis://127.0.0.1:%1/0").arg(m_redis.port());
    p.pgDsn = QStringLiteral("host=127.0.0.1 port=1 dbname=x");
    QElapsedTimer t;
    t.start();
    const ConnectionTestResults r = runTest(p, QStringLiteral("wrong"));
    QVERIFY(t.elapsed() < 10000);
    const auto *redis = find(r, QStringLiteral("Redis"));
    const auto *pg = find(r, QStringLiteral("Postgres"));
    QVERIFY(redis && pg);
    QVERIFY(!redis->ok);
    QVERIFY2(redis->message.contains(QStringLiteral("WRONGPASS"), Qt::CaseInsensitive)
                 || redis->message.contains(QStringLiteral("password"), Qt::CaseInsensitive),
             qPrintable(redis->message));
    QVERIFY(!pg->ok);
    QVERIFY2(pg->message.contains(QStringLiteral("refused"), Qt::CaseInsensitive),
             qPrintable(pg->message));
}

void TestConnectionTester::destroyedContextGetsNothing()
{
    ConnectionProfile p;
    p.name = QStringLiteral("t");
    p.pgDsn = m_pg.dsn();
    bool called = false;
    {
        QObject context;
        ConnectionTester::run(p, {}, {}, &context, [&](ConnectionTestResults) { called = true; });
    }
    QTest::qWait(1500);
    QVERIFY(!called);
}

void TestConnectionTester::redisBackendFollowsServer()
{
    ConnectionProfile p;
    p.redisUri = QStringLiteral("redis://127.0.0.1:%1/0").arg(m_redis.port());
    QString error;
    auto options = RedisBackend::optionsFor(p, QStringLiteral("s3cret"), &error);
    QVERIFY2(options, qPrintable(error));
    RedisBackend backend(*options);
    backend.start();
    QTRY_VERIFY_WITH_TIMEOUT(backend.status().state == BackendStatus::State::Ready
                                 && backend.status().detail.contains(QStringLiteral("round trip")),
                             10000);
    QVERIFY(backend.serverVersion().startsWith(QStringLiteral("7")));
    m_redis.stop();
    QTRY_VERIFY_WITH_TIMEOUT(backend.status().state == BackendStatus::State::Reconnecting, 10000);
    QVERIFY2(backend.status().summary.startsWith(QStringLiteral("reconnecting")),
             qPrintable(backend.status().summary));
    QVERIFY2(m_redis.restart(), qPrintable(m_redis.error()));
    QTRY_VERIFY_WITH_TIMEOUT(backend.status().state == BackendStatus::State::Ready, 40000);

    auto bad = RedisBackend::optionsFor(p, QStringLiteral("nope"), &error);
    RedisBackend wrong(*bad);
    wrong.start();
    QTRY_VERIFY_WITH_TIMEOUT(wrong.status().state == BackendStatus::State::Failed, 10000);
    QVERIFY2(
        wrong.status().summary.contains(QStringLiteral("WRONGPASS"), Qt::CaseInsensitive)
            || wrong.status().summary.contains(QStringLiteral("password"), Qt::CaseInsensitive),
        qPrintable(wrong.status().summary));
}

QTEST_GUILESS_MAIN(TestConnectionTester)
#include "tst_connectiontester.moc"
