// Sentinel: a real master, a replica and a sentinel on loopback. The client finds the
// master through the sentinel, and after the master is stopped and the replica promoted
// it follows to the new master by itself.
#include "RedisTestUtil.h"
#include "support/Ports.h"

using namespace switchboard;
using namespace switchboard::test;

class TestRedisSentinel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void followsFailover()
    {
        RedisServer master;
        QVERIFY2(master.start(), qPrintable(master.error()));
        RedisOptions ro;
        ro.replicaOfHost = master.host();
        ro.replicaOfPort = master.port();
        RedisServer replica(ro);
        QVERIFY2(replica.start(), qPrintable(replica.error()));
        QTRY_VERIFY_WITH_TIMEOUT(infoField(master, "replication", "connected_slaves") == 1, 10000);

        SentinelServer sentinel(QStringLiteral("sbmaster"), master.host(), master.port());
        QVERIFY2(sentinel.start(), qPrintable(sentinel.error()));
        // The sentinel must know the replica before the master goes, or it cannot fail over.
        QTRY_VERIFY_WITH_TIMEOUT(sentinel
                                     .cli({QStringLiteral("SENTINEL"), QStringLiteral("replicas"),
                                           QStringLiteral("sbmaster")})
                                     .contains(QByteArray::number(replica.port())),
                                 15000);

        RedisConnectionOptions o;
        o.sentinel.masterName = QStringLiteral("sbmaster");
        o.sentinel.sentinels = {{QStringLiteral("127.0.0.1"), freeLoopbackPortUnused()},
                                {QStringLiteral("127.0.0.1"), sentinel.port()}};
        o.commandTimeoutMs = 2000;
        o.connectTimeoutMs = 2000;
        o.reconnectMaxMs = 1000;
        RedisClient client(o);
        client.open();
        const auto set = runCommand(client, {"SET", "k", "v1"});
        QVERIFY(set && set->isStatus());
        QCOMPARE(client.connection()->currentEndpoint().port, master.port());

        master.stop();
        // Down after 1 s, then the sentinel promotes the replica; the client retries meanwhile.
        QTRY_VERIFY_WITH_TIMEOUT(client.state() == RedisConnection::State::Ready
                                     && client.connection()->currentEndpoint().port
                                         == replica.port(),
                                 30000);
        const auto role = runCommand(client, {"ROLE"});
        QVERIFY(role && role->isArray() && role->at(0).data() == "master");
        const auto set2 = runCommand(client, {"SET", "k", "v2"});
        QVERIFY2(set2 && set2->isStatus(), set2 ? qPrintable(set2->toDebugText()) : "no reply");
        QCOMPARE(replica.cli({QStringLiteral("GET"), QStringLiteral("k")}).trimmed(),
                 QByteArray("v2"));
    }

    void followsManualFailoverWhileOldMasterStaysUp()
    {
        RedisServer master;
        QVERIFY2(master.start(), qPrintable(master.error()));
        RedisOptions ro;
        ro.replicaOfHost = master.host();
        ro.replicaOfPort = master.port();
        RedisServer replica(ro);
        QVERIFY2(replica.start(), qPrintable(replica.error()));
        QTRY_VERIFY_WITH_TIMEOUT(infoField(master, "replication", "connected_slaves") == 1, 10000);
        SentinelServer sentinel(QStringLiteral("sbmaster"), master.host(), master.port());
        QVERIFY2(sentinel.start(), qPrintable(sentinel.error()));
        QTRY_VERIFY_WITH_TIMEOUT(sentinel
                                     .cli({QStringLiteral("SENTINEL"), QStringLiteral("replicas"),
                                           QStringLiteral("sbmaster")})
                                     .contains(QByteArray::number(replica.port())),
                                 15000);
        RedisConnectionOptions o;
        o.sentinel.masterName = QStringLiteral("sbmaster");
        o.sentinel.sentinels = {{QStringLiteral("127.0.0.1"), sentinel.port()}};
        RedisClient client(o);
        client.open();
        QVERIFY(runCommand(client, {"PING"}));
        QCOMPARE(client.connection()->currentEndpoint().port, master.port());
        // Wait until the replica is in sync, or the sentinel refuses to promote it.
        QTRY_VERIFY_WITH_TIMEOUT(
            replica.cli({QStringLiteral("INFO"), QStringLiteral("replication")})
                .contains("master_link_status:up"),
            10000);
        QTest::qWait(1500); // the watcher's +switch-master subscription is in place
        const QByteArray answer = sentinel.cli(
            {QStringLiteral("SENTINEL"), QStringLiteral("FAILOVER"), QStringLiteral("sbmaster")});
        QVERIFY2(answer.contains("OK"), answer.constData());
        // The old master stays up (it becomes a replica): only +switch-master or a
        // READONLY reply can tell the client to move.
        QTRY_VERIFY_WITH_TIMEOUT(client.state() == RedisConnection::State::Ready
                                     && client.connection()->currentEndpoint().port
                                         == replica.port(),
                                 20000);
        QVERIFY(master.isRunning());
        const auto set = runCommand(client, {"SET", "after", "failover"});
        QVERIFY2(set && set->isStatus(), set ? qPrintable(set->toDebugText()) : "no reply");
    }

    void unknownMasterNameIsClear()
    {
        RedisServer master;
        QVERIFY(master.start());
        SentinelServer sentinel(QStringLiteral("known"), master.host(), master.port());
        QVERIFY2(sentinel.start(), qPrintable(sentinel.error()));
        RedisConnectionOptions o;
        o.sentinel.masterName = QStringLiteral("unknown");
        o.sentinel.sentinels = {{QStringLiteral("127.0.0.1"), sentinel.port()}};
        RedisClient client(o);
        client.open();
        QTRY_VERIFY(client.state() == RedisConnection::State::Reconnecting);
        QVERIFY2(client.stateText().contains(
                     QStringLiteral("no sentinel gave the address of master 'unknown'")),
                 qPrintable(client.stateText()));
    }

private:
    // A port nothing listens on: the first sentinel in the list is down.
    static int freeLoopbackPortUnused() { return freeLoopbackPort(); }
};

QTEST_GUILESS_MAIN(TestRedisSentinel)
#include "tst_redissentinel.moc"
