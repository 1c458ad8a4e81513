// One clock: the console judges heartbeat ages against the Redis server's TIME, measured
// by ServerClock through the async client, with a skewed local clock injected as a
// laptop 10 s fast or 60 s slow would have. Against a real Redis: the measured time agrees
// with TIME, it follows a clock that jumps (periodic refresh), a user without TIME falls
// back to the local clock and says why, and a fleet whose heartbeats carry Redis time is
// not shown silent by a fast laptop (while the same laptop without ServerClock would).
#include "core/redis/RedisClient.h"
#include "core/redis/RedisUri.h"
#include "core/redis/ServerClock.h"
#include "models/ProcessTreeModel.h"
#include "support/RedisServer.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

#include <atomic>

using namespace switchboard;
using namespace switchboard::test;

namespace {

qint64 localNow()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

class TestServerClock : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        RedisOptions o;
        o.aclUsers = {QStringLiteral("notime on >pw ~* &* +@all -time")};
        m_redis = std::make_unique<RedisServer>(o);
        QVERIFY2(m_redis->start(), qPrintable(m_redis->error()));
    }

    void skewedLocalClockStillReadsServerTime_data()
    {
        QTest::addColumn<qint64>("skewMs");
        QTest::newRow("in step") << qint64(0);
        QTest::newRow("laptop 10 s fast") << qint64(10000);
        QTest::newRow("laptop 60 s slow") << qint64(-60000);
    }
    void skewedLocalClockStillReadsServerTime()
    {
        QFETCH(qint64, skewMs);
        RedisClient client(options());
        client.open();
        ServerClock clock(&client);
        clock.setLocalClock([skewMs] { return localNow() + skewMs; });
        QSignalSpy measured(&clock, &ServerClock::measured);
        clock.start();
        QTRY_VERIFY_WITH_TIMEOUT(clock.isMeasured(), 5000);
        QVERIFY(qAbs(clock.offsetMs() + skewMs) < 250); // the server is this machine
        QVERIFY(qAbs(clock.nowMs() - redisTime()) < 250);
        QVERIFY(measured.count() >= 1);
    }

    void refreshFollowsAClockThatJumps()
    {
        RedisClient client(options());
        client.open();
        auto skew = std::make_shared<std::atomic<qint64>>(0);
        ServerClock clock(&client);
        clock.setLocalClock([skew] { return localNow() + skew->load(); });
        clock.setRefreshMs(200);
        clock.start();
        QTRY_VERIFY_WITH_TIMEOUT(clock.isMeasured(), 5000);
        QVERIFY(qAbs(clock.offsetMs()) < 250);
        skew->store(-30000); // NTP stepped the laptop's clock back by 30 s
        QTRY_VERIFY_WITH_TIMEOUT(qAbs(clock.offsetMs() - 30000) < 250, 5000);
        QVERIFY(qAbs(clock.nowMs() - redisTime()) < 250);
    }

    void withoutTimeItFallsBackAndSaysWhy()
    {
        RedisConnectionOptions o = options();
        o.username = QStringLiteral("notime");
        o.password = QStringLiteral("pw");
        RedisClient client(o);
        client.open();
        ServerClock clock(&client);
        clock.setLocalClock([] { return localNow() + 7000; });
        bool called = false;
        clock.whenMeasured(this, [&called] { called = true; });
        QTRY_VERIFY_WITH_TIMEOUT(called, 5000); // waiters run after a failed attempt too
        QVERIFY(!clock.isMeasured());
        QVERIFY2(clock.lastError().contains(QStringLiteral("NOPERM")),
                 qPrintable(clock.lastError()));
        QVERIFY(qAbs(clock.nowMs() - (localNow() + 7000)) < 50); // the local clock, as is
    }

    void fastLaptopDoesNotShowTheFleetSilent()
    {
        // A host whose bridge stamps its heartbeats with Redis TIME (contract v2), seen
        // from a laptop 10 s fast: 3 beats of 2 s are 6 s, so judged by the laptop's own
        // clock every process would look silent.
        RedisClient client(options());
        client.open();
        ServerClock clock(&client);
        clock.setLocalClock([] { return localNow() + 10000; });
        clock.start();
        QTRY_VERIFY_WITH_TIMEOUT(clock.isMeasured(), 5000);

        const qint64 beat = redisTime();
        IndexDelta d;
        d.full = true;
        IndexRecord r;
        r.member = "h1:api:0";
        r.score = beat;
        r.fields = {"host",         "h1",
                    "app",          "api",
                    "pm_id",        "0",
                    "status",       "online",
                    "exec_mode",    "fork",
                    "restarts",     "0",
                    "heartbeat_at", QByteArray::number(beat),
                    "heartbeat_ms", "2000"};
        d.upserts.append(r);

        ProcessTreeModel byServer;
        byServer.setClock([&clock] { return clock.nowMs(); });
        byServer.applyDelta(d);
        byServer.applyPendingNow();
        const QModelIndex row = byServer.indexOfMember("h1:api:0");
        QVERIFY(row.isValid());
        QVERIFY(!row.data(ProcessTreeModel::SilentRole).toBool());
        const qint64 age = row.siblingAtColumn(ProcessTreeModel::Heartbeat)
                               .data(ProcessTreeModel::SortRole)
                               .toLongLong();
        QVERIFY2(age >= -250 && age < 1500, qPrintable(QString::number(age)));

        // The same laptop judging by its own clock: the test can fail.
        ProcessTreeModel byLaptop;
        byLaptop.setClock([] { return localNow() + 10000; });
        byLaptop.applyDelta(d);
        byLaptop.applyPendingNow();
        QVERIFY(byLaptop.indexOfMember("h1:api:0").data(ProcessTreeModel::SilentRole).toBool());
    }

private:
    RedisConnectionOptions options() const { return RedisUri::parse(m_redis->uri())->toOptions(); }
    qint64 redisTime() const
    {
        const QList<QByteArray> parts = m_redis->cli({QStringLiteral("TIME")}).split('\n');
        return parts.value(0).toLongLong() * 1000 + parts.value(1).toLongLong() / 1000;
    }

    std::unique_ptr<RedisServer> m_redis;
};

QTEST_GUILESS_MAIN(TestServerClock)
#include "tst_serverclock.moc"
