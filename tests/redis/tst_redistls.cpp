// TLS against a real redis-server with a throwaway CA: verified OK, client certificates,
// and the failures an operator must be told about plainly (wrong CA, wrong host name,
// plain TCP to a TLS port) without a reconnect storm.
#include "RedisTestUtil.h"
#include "support/TestCa.h"

using namespace switchboard;
using namespace switchboard::test;

class TestRedisTls : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_ca.isValid(), qPrintable(m_ca.error()));
        RedisOptions o;
        o.tls = true;
        o.ca = &m_ca;
        m_server = std::make_unique<RedisServer>(o);
        QVERIFY2(m_server->start(), qPrintable(m_server->error()));
        RedisOptions mtls = o;
        mtls.tlsAuthClients = true;
        m_mtlsServer = std::make_unique<RedisServer>(mtls);
        QVERIFY2(m_mtlsServer->start(), qPrintable(m_mtlsServer->error()));
    }

    void verifiedConnection()
    {
        RedisConnectionOptions o = optionsFor(*m_server);
        QVERIFY(o.tls);
        QCOMPARE(o.endpoint.host, QStringLiteral("localhost"));
        o.tlsOptions.caFile = m_ca.caCert();
        RedisClient client(o);
        client.open();
        const auto r = runCommand(client, {"PING"});
        QVERIFY(r);
        QVERIFY2(r->data() == "PONG", qPrintable(r->toDebugText()));
        QCOMPARE(client.stateText(), QStringLiteral("ready"));
    }

    void clientCertificate()
    {
        RedisConnectionOptions o = optionsFor(*m_mtlsServer);
        o.tlsOptions.caFile = m_ca.caCert();
        {
            // Without a client certificate the server refuses the handshake.
            RedisClient client(o);
            client.open();
            const auto r = runCommand(client, {"PING"}, 1500);
            QVERIFY(r && r->isError());
        }
        o.tlsOptions.clientCertFile = m_ca.clientCert();
        o.tlsOptions.clientKeyFile = m_ca.clientKey();
        RedisClient client(o);
        client.open();
        const auto r = runCommand(client, {"PING"});
        QVERIFY(r);
        QVERIFY2(r->data() == "PONG", qPrintable(r->toDebugText()));
    }

    void wrongCaFailsClearly()
    {
        RedisConnectionOptions o = optionsFor(*m_server);
        o.tlsOptions.caFile = m_ca.otherCaCert();
        RedisClient client(o);
        client.open();
        const auto r = runCommand(client, {"PING"});
        QVERIFY(r && r->isLocalError());
        QCOMPARE(client.state(), RedisConnection::State::Failed);
        const QString text = client.stateText();
        QVERIFY2(text.startsWith(QStringLiteral("failed: TLS verification of localhost:")),
                 qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("certificate"), Qt::CaseInsensitive),
                 qPrintable(text));
        QVERIFY2(r->errorMessage().contains(QStringLiteral("TLS verification")),
                 qPrintable(r->errorMessage()));
        // No retry storm: still one attempt a second later.
        QTest::qWait(1000);
        QCOMPARE(client.connection()->connectAttempts(), 1);
    }

    void wrongHostNameFailsClearly()
    {
        RedisConnectionOptions o = optionsFor(*m_server);
        o.endpoint.host = QStringLiteral("127.0.0.1");
        o.tlsOptions.caFile = m_ca.caCert();
        o.tlsOptions.serverName = QStringLiteral("wronghost");
        RedisClient client(o);
        client.open();
        const auto r = runCommand(client, {"PING"});
        QVERIFY(r && r->isLocalError());
        QCOMPARE(client.state(), RedisConnection::State::Failed);
        QVERIFY2(client.stateText().contains(QStringLiteral("host name"), Qt::CaseInsensitive),
                 qPrintable(client.stateText()));

        // The same connection with host-name checking explicitly off gets through,
        // which shows the failure above was the name and nothing else.
        o.tlsOptions.verifyHostName = false;
        RedisClient relaxed(o);
        relaxed.open();
        const auto ok = runCommand(relaxed, {"PING"});
        QVERIFY(ok && ok->data() == "PONG");
    }

    void missingCaFileFailsBeforeConnecting()
    {
        RedisConnectionOptions o = optionsFor(*m_server);
        o.tlsOptions.caFile = QStringLiteral("/nonexistent/ca.pem");
        RedisClient client(o);
        client.open();
        QCOMPARE(client.state(), RedisConnection::State::Failed);
        QVERIFY2(client.stateText().contains(
                     QStringLiteral("cannot read a CA certificate from /nonexistent/ca.pem")),
                 qPrintable(client.stateText()));
    }

    void plainTcpToTlsPortFailsClearly()
    {
        RedisConnectionOptions o = optionsFor(*m_server);
        o.tls = false;
        o.endpoint.host = QStringLiteral("127.0.0.1");
        o.connectTimeoutMs = 1000;
        RedisClient client(o);
        client.open();
        QElapsedTimer t;
        t.start();
        const auto r = runCommand(client, {"PING"}, 1500, 5000);
        QVERIFY2(r, "hung");
        QVERIFY(r->isLocalError());
        QVERIFY(t.elapsed() < 3000);
        const QString why = client.connection()->lastError();
        QVERIFY2(why.contains(QStringLiteral("TLS port? use rediss://"))
                     || why.contains(QStringLiteral("timed out")),
                 qPrintable(why));
        QVERIFY2(r->errorMessage().contains(QStringLiteral("not connected")),
                 qPrintable(r->errorMessage()));
    }

private:
    TestCa m_ca;
    std::unique_ptr<RedisServer> m_server;
    std::unique_ptr<RedisServer> m_mtlsServer;
};

QTEST_GUILESS_MAIN(TestRedisTls)
#include "tst_redistls.moc"
