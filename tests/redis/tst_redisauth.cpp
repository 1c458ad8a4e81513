// AUTH, ACL users and SELECT against a real redis-server; wrong credentials give a clear
// state and no retry storm (connection count measured on the server).
#include "RedisTestUtil.h"

using namespace switchboard;
using namespace switchboard::test;

class TestRedisAuth : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        RedisOptions o;
        o.requirePass = QStringLiteral("legacy-secret");
        o.aclUsers = {QStringLiteral("op on >op-secret ~* +@all"),
                      QStringLiteral("reader on >reader-secret ~* +@read +ping +client")};
        m_server = std::make_unique<RedisServer>(o);
        QVERIFY2(m_server->start(), qPrintable(m_server->error()));
    }

    void aclUserWithDatabase()
    {
        auto uri = RedisUri::parse(
            QStringLiteral("redis://op:op-secret@127.0.0.1:%1/5").arg(m_server->port()));
        QVERIFY(uri);
        RedisClient client(uri->toOptions());
        client.open();
        QVERIFY(runCommand(client, {"SET", "where", "db5"}));
        const auto who = runCommand(client, {"ACL", "WHOAMI"});
        QVERIFY(who && who->data() == "op");
        QCOMPARE(m_server
                     ->cli({QStringLiteral("-n"), QStringLiteral("5"), QStringLiteral("GET"),
                            QStringLiteral("where")})
                     .trimmed(),
                 QByteArray("db5"));
        const auto list = runCommand(client, {"CLIENT", "LIST"});
        QVERIFY(list && list->data().contains("name=switchboard"));
    }

    void legacyPassword()
    {
        auto uri = RedisUri::parse(
            QStringLiteral("redis://:legacy-secret@127.0.0.1:%1").arg(m_server->port()));
        RedisClient client(uri->toOptions());
        client.open();
        const auto who = runCommand(client, {"ACL", "WHOAMI"});
        QVERIFY(who && who->data() == "default");
    }

    void noPermissionIsAServerError()
    {
        auto uri = RedisUri::parse(
            QStringLiteral("redis://reader:reader-secret@127.0.0.1:%1").arg(m_server->port()));
        RedisClient client(uri->toOptions());
        client.open();
        const auto r = runCommand(client, {"SET", "x", "1"});
        QVERIFY(r && r->isError() && !r->isLocalError());
        QVERIFY2(r->errorMessage().startsWith(QStringLiteral("NOPERM")),
                 qPrintable(r->errorMessage()));
        QCOMPARE(client.state(), RedisConnection::State::Ready);
    }

    void wrongCredentials_data()
    {
        QTest::addColumn<QString>("userInfo");
        QTest::addColumn<QString>("expected");
        QTest::newRow("wrong password") << QStringLiteral(":nope") << QStringLiteral("WRONGPASS");
        QTest::newRow("wrong ACL user")
            << QStringLiteral("ghost:op-secret") << QStringLiteral("WRONGPASS");
        QTest::newRow("no password") << QString() << QStringLiteral("NOAUTH");
    }
    void wrongCredentials()
    {
        QFETCH(QString, userInfo);
        QFETCH(QString, expected);
        const QString at = userInfo.isEmpty() ? QString() : userInfo + QLatin1Char('@');
        auto uri = RedisUri::parse(QStringLiteral("redis://") + at + QStringLiteral("127.0.0.1:")
                                   + QString::number(m_server->port()));
        QVERIFY(uri);
        RedisConnectionOptions o = uri->toOptions();
        o.reconnectMinMs = 50; // a storm would show quickly with a short backoff
        const qint64 before = infoField(*m_server, "stats", "total_connections_received");
        RedisClient client(o);
        client.open();
        const auto r = runCommand(client, {"PING"});
        QVERIFY(r && r->isLocalError());
        QVERIFY2(client.state() == RedisConnection::State::Failed, qPrintable(client.stateText()));
        QVERIFY2(client.stateText().startsWith(QStringLiteral("failed: ")),
                 qPrintable(client.stateText()));
        QVERIFY2(client.stateText().contains(expected), qPrintable(client.stateText()));
        QTest::qWait(3000);
        const qint64 after = infoField(*m_server, "stats", "total_connections_received");
        // One connection by the client, one by the redis-cli that asked INFO.
        QVERIFY2(after - before <= 2,
                 qPrintable(QStringLiteral("%1 connections in 3 s").arg(after - before)));
        QCOMPARE(client.connection()->connectAttempts(), 1);
        // Commands sent while failed are answered at once with the reason.
        const auto again = runCommand(client, {"PING"}, -1, 500);
        QVERIFY(again && again->errorMessage().contains(expected));
    }

private:
    std::unique_ptr<RedisServer> m_server;
};

QTEST_GUILESS_MAIN(TestRedisAuth)
#include "tst_redisauth.moc"
