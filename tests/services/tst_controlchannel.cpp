// ControlChannel against real Redis (with ACL users) and Postgres, without a bridge: the
// permission probe tells allowed / denied / unknown from the server's own answers; a
// command nobody answers ends in "no answer from the bridge after N s" and is audited as
// failed; an XADD refused by the ACL is audited as failed with Redis's words.
#include "core/contract/Keys.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/redis/RedisUri.h"
#include "core/services/ControlChannel.h"
#include "support/PostgresServer.h"
#include "support/RedisServer.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace switchboard;
using namespace switchboard::test;

class TestControlChannel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        RedisOptions o;
        o.aclUsers = {QStringLiteral("op on >pw ~* &* +@all"),
                      QStringLiteral("noxadd on >pw ~* &* +@all -xadd"),
                      QStringLiteral("reader on >pw ~* &* +@read +@connection +xrevrange +xread")};
        m_redis = std::make_unique<RedisServer>(o);
        QVERIFY2(m_redis->start(), qPrintable(m_redis->error()));
        QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
        QVERIFY2(m_pg.createDatabase(QStringLiteral("sb")), qPrintable(m_pg.error()));
        m_pool = std::make_unique<PgPool>(PgConfig(m_pg.dsn(QStringLiteral("sb"))));
    }

    void probeTellsAllowedDeniedUnknown_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addColumn<bool>("allowed");
        QTest::addColumn<QString>("reason");
        QTest::newRow("op") << QStringLiteral("op") << true << QString();
        QTest::newRow("noxadd") << QStringLiteral("noxadd") << false
                                << QStringLiteral("may not XADD");
        QTest::newRow("reader") << QStringLiteral("reader") << true
                                << QStringLiteral("Redis permission unknown");
    }
    void probeTellsAllowedDeniedUnknown()
    {
        QFETCH(QString, user);
        QFETCH(bool, allowed);
        QFETCH(QString, reason);
        RedisClient client(options(user));
        client.open();
        ControlChannel channel(&client, options(user), m_pool.get(), Keys(), {});
        QSignalSpy spy(&channel, &ControlChannel::permissionChanged);
        channel.probePermissions();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 10000);
        QCOMPARE(channel.permission().allowed, allowed);
        QVERIFY2(reason.isEmpty() ? channel.permission().reason.isEmpty()
                                  : channel.permission().reason.contains(reason),
                 qPrintable(channel.permission().reason));
    }

    void refusedXaddIsAuditedAsFailed()
    {
        // "unknown" above lets the operator try; the real XADD's NOPERM is the truth.
        const auto steps = run(QStringLiteral("reader"), QStringLiteral("acl-host"), 5000);
        QCOMPARE(steps.last().state, QStringLiteral("failed"));
        QVERIFY2(steps.last().message.contains(QStringLiteral("NOPERM")),
                 qPrintable(steps.last().message));
        QTRY_COMPARE_WITH_TIMEOUT(outcomes(QStringLiteral("acl-host")),
                                  QByteArray("requested\nfailed"), 10000);
    }

    void silenceEndsInNoAnswer()
    {
        const auto steps = run(QStringLiteral("op"), QStringLiteral("quiet-host"), 1000);
        QCOMPARE(steps.last().state, QStringLiteral("no answer"));
        QCOMPARE(steps.last().message, QStringLiteral("no answer from the bridge after 1 s"));
        QTRY_COMPARE_WITH_TIMEOUT(outcomes(QStringLiteral("quiet-host")),
                                  QByteArray("requested\nfailed"), 10000);
        // The command itself was sent, with its audit id and an expiry.
        const QByteArray entry
            = m_redis->cli({QStringLiteral("XRANGE"), QStringLiteral("agentops:control:quiet-host"),
                            QStringLiteral("-"), QStringLiteral("+")});
        QVERIFY2(entry.contains("audit_id") && entry.contains("expires_at"), entry.constData());
    }

private:
    RedisConnectionOptions options(const QString &user) const
    {
        RedisConnectionOptions o = RedisUri::parse(m_redis->uri())->toOptions();
        o.username = user;
        o.password = QStringLiteral("pw");
        return o;
    }

    QList<ControlProgress> run(const QString &user, const QString &host, int answerMs)
    {
        RedisClient client(options(user));
        client.open();
        ControlChannel::Options co;
        co.operatorName = QStringLiteral("tester");
        co.answerTimeoutMs = answerMs;
        ControlChannel channel(&client, options(user), m_pool.get(), Keys(), co);
        QList<ControlProgress> steps;
        connect(&channel, &ControlChannel::progress,
                [&steps](const ControlProgress &p) { steps.append(p); });
        ControlRequest req;
        req.host = host;
        req.app = QStringLiteral("reasoner");
        req.pmId = 0;
        req.reason = QStringLiteral("test");
        channel.request(req);
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 15000 && (steps.isEmpty() || !steps.last().isFinal()))
            QTest::qWait(20);
        if (steps.isEmpty() || !steps.last().isFinal())
            qFatal("no final state");
        QTest::qWait(200); // the outcome audit is queued to the pool
        return steps;
    }

    QByteArray outcomes(const QString &host) const
    {
        return m_pg
            .psql(QStringLiteral("sb"),
                  QStringLiteral("SELECT outcome FROM agentops.operator_actions WHERE target "
                                 "LIKE 'proc:%1:%%' ORDER BY id")
                      .arg(host))
            .trimmed();
    }

    std::unique_ptr<RedisServer> m_redis;
    PostgresServer m_pg;
    std::unique_ptr<PgPool> m_pool;
};

QTEST_GUILESS_MAIN(TestControlChannel)
#include "tst_controlchannel.moc"
