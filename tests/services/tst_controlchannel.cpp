// ControlChannel against real Redis (with ACL users) and Postgres (an operator login, as in
// production), without a bridge: the test writes the bridge's reports into
// `N control-results` itself where a case needs them.
// - The permission probe tells allowed / denied / unknown from the servers' own answers
//   (EXECUTE on agentops.request_action; the Redis ACL for XADD).
// - The request row is written by agentops.request_action: the server stamps db_role, and
//   the command carries its id (audit_id) and Redis server times, whatever the local
//   clock says (+10 s, -60 s), with expires_at - requested_at within the contract bound.
// - Verdicts: a command nobody answers ends in "no answer" (audited failed), and a final
//   report that comes later is still shown and audited as another row; a `running` report's
//   deadline_ms extends the wait; a report from another host is ignored; a rejected
//   command shows the bridge's reason (audited refused); an XADD refused by the ACL is
//   "failed" with Redis's words, and a lost XADD reply is "unknown: check before retrying",
//   resolved by the bridge's later answer.
#include "core/contract/Keys.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/redis/RedisUri.h"
#include "core/redis/ServerClock.h"
#include "core/services/ControlChannel.h"
#include "support/PostgresServer.h"
#include "support/RedisServer.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace switchboard;
using namespace switchboard::test;

namespace {

// One console: its Redis client, its clock and its channel, and every progress step.
struct Console
{
    Console(const RedisConnectionOptions &ro, PgPool *pool, ControlChannel::Options co,
            qint64 skewMs = 0)
        : client(ro)
        , clock(&client)
    {
        client.open();
        clock.setLocalClock([skewMs] { return QDateTime::currentMSecsSinceEpoch() + skewMs; });
        clock.start();
        co.clock = &clock;
        channel = std::make_unique<ControlChannel>(&client, ro, pool, Keys(), co);
        QObject::connect(channel.get(), &ControlChannel::progress,
                         [this](const ControlProgress &p) { steps.append(p); });
    }
    int request(const QString &host, const QString &app = QStringLiteral("reasoner"))
    {
        ProcessActionRequest req;
        req.host = host;
        req.app = app;
        req.pmId = 0;
        req.reason = QStringLiteral("test");
        return channel->request(req);
    }
    bool waitFor(const std::function<bool(const ControlProgress &)> &what, int ms = 15000)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < ms) {
            if (!steps.isEmpty() && what(steps.last()))
                return true;
            QTest::qWait(20);
        }
        return false;
    }
    bool waitForState(const QString &state, int ms = 15000)
    {
        return waitFor([state](const ControlProgress &p) { return p.state == state; }, ms);
    }
    QStringList states() const
    {
        QStringList out;
        for (const ControlProgress &p : steps)
            if (out.isEmpty() || out.last() != p.state)
                out << p.state;
        return out;
    }

    RedisClient client;
    ServerClock clock;
    std::unique_ptr<ControlChannel> channel;
    QList<ControlProgress> steps;
};

} // namespace

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
        // The console logs in as a person's role, a member of agentops_operator.
        QVERIFY2(m_pg.createLogin(QStringLiteral("ops_alice"), QStringLiteral("pw"),
                                  {QStringLiteral("agentops_operator")}),
                 qPrintable(m_pg.error()));
        QVERIFY2(m_pg.createLogin(QStringLiteral("view_bob"), QStringLiteral("pw"),
                                  {QStringLiteral("agentops_viewer")}),
                 qPrintable(m_pg.error()));
        m_pool = std::make_unique<PgPool>(PgConfig(m_pg.loginDsn(
            QStringLiteral("ops_alice"), QStringLiteral("pw"), QStringLiteral("sb"))));
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

    void probeTellsAViewerItMayNotRequest()
    {
        PgPool viewer(PgConfig(
            m_pg.loginDsn(QStringLiteral("view_bob"), QStringLiteral("pw"), QStringLiteral("sb"))));
        RedisClient client(options(QStringLiteral("op")));
        client.open();
        ControlChannel channel(&client, options(QStringLiteral("op")), &viewer, Keys(), {});
        QSignalSpy spy(&channel, &ControlChannel::permissionChanged);
        channel.probePermissions();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 10000);
        QVERIFY(!channel.permission().allowed);
        QVERIFY2(channel.permission().reason.contains(QStringLiteral("EXECUTE "
                                                                     "agentops.request_action")),
                 qPrintable(channel.permission().reason));
    }

    void refusedXaddIsAuditedAsFailed()
    {
        // "unknown" above lets the operator try; the real XADD's NOPERM is the truth: a
        // server's refusal, so certainly not sent (not "unknown"). This user may not even
        // read TIME: the clock falls back to the local one.
        Console c(options(QStringLiteral("reader")), m_pool.get(), channelOptions(5000));
        c.request(QStringLiteral("acl-host"));
        QVERIFY(c.waitFor([](const ControlProgress &p) { return p.isFinal(); }));
        QCOMPARE(c.steps.last().state, QStringLiteral("failed"));
        QVERIFY2(c.steps.last().message.contains(QStringLiteral("NOPERM")),
                 qPrintable(c.steps.last().message));
        QTRY_COMPARE_WITH_TIMEOUT(outcomes(QStringLiteral("acl-host")),
                                  QByteArray("requested\nfailed"), 10000);
    }

    void commandCarriesAuditRowAndServerTimes_data()
    {
        QTest::addColumn<qint64>("skewMs");
        QTest::newRow("clock in step") << qint64(0);
        QTest::newRow("laptop 10 s fast") << qint64(10000);
        QTest::newRow("laptop 60 s slow") << qint64(-60000);
    }
    void commandCarriesAuditRowAndServerTimes()
    {
        QFETCH(qint64, skewMs);
        const QString host
            = QStringLiteral("quiet-%1").arg(QString::number(skewMs).replace(u'-', u'm'));
        Console c(options(QStringLiteral("op")), m_pool.get(), channelOptions(1000), skewMs);
        c.request(host);
        QVERIFY(c.waitFor([](const ControlProgress &p) { return p.isFinal(); }));
        const qint64 serverNow = redisTime();
        QCOMPARE(c.steps.last().state, QStringLiteral("no answer"));
        QCOMPARE(c.steps.last().message, QStringLiteral("no answer from the bridge after 1 s"));
        QTRY_COMPARE_WITH_TIMEOUT(outcomes(host), QByteArray("requested\nfailed"), 10000);

        // Who acted, as the server recorded it.
        const ControlProgress &last = c.steps.last();
        QCOMPARE(last.dbRole, QStringLiteral("ops_alice"));
        QCOMPARE(last.actedBy(), QStringLiteral("tester (db: ops_alice)"));
        QCOMPARE(psql(QStringLiteral("SELECT id || ',' || db_role || ',' || operator FROM "
                                     "agentops.operator_actions WHERE target LIKE 'proc:%1:%%' "
                                     "AND outcome = 'requested'")
                          .arg(host)),
                 QStringLiteral("%1,ops_alice,tester").arg(*last.auditId).toUtf8());

        // The command as written to the stream: its audit row, Redis server times.
        const QList<QByteArray> entry
            = m_redis
                  ->cli({QStringLiteral("XRANGE"), QStringLiteral("agentops:control:") + host,
                         QStringLiteral("-"), QStringLiteral("+")})
                  .split('\n');
        const auto field = [&entry](const QByteArray &name) {
            const qsizetype i = entry.indexOf(name);
            return i < 0 ? QByteArray() : entry.value(i + 1);
        };
        QCOMPARE(field("audit_id").toLongLong(), *last.auditId);
        const qint64 requestedAt = field("requested_at").toLongLong();
        const qint64 expiresAt = field("expires_at").toLongLong();
        // Sent about 1 s (the answer wait) before serverNow, by the server's clock.
        QVERIFY2(serverNow - requestedAt >= 500 && serverNow - requestedAt < 3000,
                 qPrintable(QStringLiteral("requested_at %1, Redis TIME %2, local skew %3")
                                .arg(requestedAt)
                                .arg(serverNow)
                                .arg(skewMs)));
        QCOMPARE(expiresAt - requestedAt, qint64(60000));
        QCOMPARE(last.requestedAtMs, requestedAt);
    }

    void ttlIsBoundedByTheContract()
    {
        ControlChannel::Options co = channelOptions(500);
        co.commandTtlMs = 3600000; // a misconfigured hour
        Console c(options(QStringLiteral("op")), m_pool.get(), co);
        c.request(QStringLiteral("ttl-host"));
        QVERIFY(c.waitFor([](const ControlProgress &p) { return p.isFinal(); }));
        QCOMPARE(c.steps.last().expiresAtMs - c.steps.last().requestedAtMs, qint64(300000));
    }

    void lateFinalAfterNoAnswerIsShownAndAudited()
    {
        const QString host = QStringLiteral("late-host");
        Console c(options(QStringLiteral("op")), m_pool.get(), channelOptions(1000));
        c.request(host);
        QVERIFY(c.waitForState(QStringLiteral("no answer")));
        QTRY_COMPARE_WITH_TIMEOUT(outcomes(host), QByteArray("requested\nfailed"), 10000);
        bridgeReports(c.steps.last().cmdId, host, QStringLiteral("succeeded"),
                      QStringLiteral("reload of reasoner: online, restarts 0 -> 1"));
        QVERIFY(c.waitForState(QStringLiteral("succeeded")));
        const ControlProgress &last = c.steps.last();
        QVERIFY(last.isFinal() && last.succeeded && last.late);
        QVERIFY2(last.message.contains(QStringLiteral("restarts 0 -> 1")),
                 qPrintable(last.message));
        QTRY_COMPARE_WITH_TIMEOUT(outcomes(host), QByteArray("requested\nfailed\nsucceeded"),
                                  10000);
        QCOMPARE(psql(QStringLiteral("SELECT detail->>'late' FROM agentops.operator_actions WHERE "
                                     "target LIKE 'proc:%1:%%' AND outcome = 'succeeded'")
                          .arg(host)),
                 QByteArray("true"));
    }

    void runningDeadlineExtendsTheWait()
    {
        // A 70 s cluster reload in miniature: the answer wait is 1 s, the bridge says it
        // may take 2.5 s more; the success at ~2 s is not audited as failed.
        const QString host = QStringLiteral("slow-host");
        Console c(options(QStringLiteral("op")), m_pool.get(), channelOptions(1000));
        c.request(host);
        QVERIFY(c.waitForState(QStringLiteral("sent")));
        const QString cmdId = c.steps.last().cmdId;
        bridgeReports(cmdId, host, QStringLiteral("running"),
                      QStringLiteral("graceful reload of reasoner"),
                      QStringLiteral("{\"deadline_ms\":2500}"));
        QVERIFY(c.waitForState(QStringLiteral("running")));
        QTest::qWait(1800); // past the 1 s answer wait
        QVERIFY2(!c.steps.last().isFinal(), qPrintable(c.states().join(u',')));
        bridgeReports(cmdId, host, QStringLiteral("succeeded"), QStringLiteral("reloaded"));
        QVERIFY(c.waitFor([](const ControlProgress &p) { return p.isFinal(); }));
        QCOMPARE(c.states(),
                 QStringList({QStringLiteral("writing audit row"), QStringLiteral("sending"),
                              QStringLiteral("sent"), QStringLiteral("running"),
                              QStringLiteral("succeeded")}));
        QTRY_COMPARE_WITH_TIMEOUT(outcomes(host), QByteArray("requested\nsucceeded"), 10000);

        // And without another word from the bridge, its deadline plus the margin ends it.
        const QString host2 = QStringLiteral("slow-host-2");
        c.steps.clear();
        c.request(host2);
        QVERIFY(c.waitForState(QStringLiteral("sent")));
        bridgeReports(c.steps.last().cmdId, host2, QStringLiteral("running"), {},
                      QStringLiteral("{\"deadline_ms\":1500}"));
        QVERIFY(c.waitForState(QStringLiteral("no answer"), 10000));
        QVERIFY(c.steps.last().message.contains(QStringLiteral("after 2 s")));
    }

    void reportsFromAnotherHostAreIgnored()
    {
        const QString host = QStringLiteral("target-host");
        Console c(options(QStringLiteral("op")), m_pool.get(), channelOptions(20000));
        c.request(host);
        QVERIFY(c.waitForState(QStringLiteral("sent")));
        const QString cmdId = c.steps.last().cmdId;
        // Anyone who can write the results stream: the right cmd_id, another host.
        bridgeReports(cmdId, QStringLiteral("other-host"), QStringLiteral("succeeded"),
                      QStringLiteral("forged"));
        QTest::qWait(1500);
        QCOMPARE(c.steps.last().state, QStringLiteral("sent"));
        // The target's bridge refuses it: the reason is what the operator reads.
        bridgeReports(cmdId, host, QStringLiteral("rejected"),
                      QStringLiteral("audit row 999 belongs to another command"));
        QVERIFY(c.waitFor([](const ControlProgress &p) { return p.isFinal(); }));
        QCOMPARE(c.steps.last().state, QStringLiteral("rejected"));
        QCOMPARE(c.steps.last().message,
                 QStringLiteral("audit row 999 belongs to another command"));
        QVERIFY(!c.steps.last().succeeded);
        QTRY_COMPARE_WITH_TIMEOUT(outcomes(host), QByteArray("requested\nrefused"), 10000);
    }

    void lostXaddReplyIsUnknownUntilTheBridgeAnswers()
    {
        // Writes on the server are paused, so the XADD's reply never comes within the
        // client's 300 ms: the command may or may not have arrived. Not "not sent".
        RedisConnectionOptions ro = options(QStringLiteral("op"));
        ro.commandTimeoutMs = 300;
        const QString host = QStringLiteral("lossy-host");
        Console c(ro, m_pool.get(), channelOptions(20000));
        QTRY_VERIFY_WITH_TIMEOUT(c.clock.isMeasured(), 5000);
        m_redis->cli({QStringLiteral("CLIENT"), QStringLiteral("PAUSE"), QStringLiteral("20000"),
                      QStringLiteral("WRITE")});
        c.request(host);
        const bool unknown = c.waitForState(QStringLiteral("unknown"), 10000);
        m_redis->cli({QStringLiteral("CLIENT"), QStringLiteral("UNPAUSE")});
        QVERIFY2(unknown, qPrintable(c.states().join(u',')));
        const ControlProgress atUnknown = c.steps.last();
        QVERIFY(!atUnknown.isFinal()); // still following the results
        QVERIFY2(atUnknown.message.startsWith(QStringLiteral("unknown: check before retrying")),
                 qPrintable(atUnknown.message));
        QCOMPARE(outcomes(host), QByteArray("requested")); // nothing decided yet
        // The bridge got it after all (or a retry by the same path did): its answer resolves it.
        bridgeReports(atUnknown.cmdId, host, QStringLiteral("received"), {});
        bridgeReports(atUnknown.cmdId, host, QStringLiteral("succeeded"), QStringLiteral("ok"));
        QVERIFY(c.waitFor([](const ControlProgress &p) { return p.isFinal(); }));
        QCOMPARE(c.steps.last().state, QStringLiteral("succeeded"));
        QVERIFY(c.steps.last().succeeded);
        QTRY_COMPARE_WITH_TIMEOUT(outcomes(host), QByteArray("requested\nsucceeded"), 10000);
    }

    void lostXaddReplyWithNoAnswerStaysUnknown()
    {
        RedisConnectionOptions ro = options(QStringLiteral("op"));
        ro.commandTimeoutMs = 300;
        const QString host = QStringLiteral("lossy-host-2");
        Console c(ro, m_pool.get(), channelOptions(1500));
        QTRY_VERIFY_WITH_TIMEOUT(c.clock.isMeasured(), 5000);
        m_redis->cli({QStringLiteral("CLIENT"), QStringLiteral("PAUSE"), QStringLiteral("20000"),
                      QStringLiteral("WRITE")});
        c.request(host);
        const bool unknown = c.waitForState(QStringLiteral("unknown"), 10000);
        m_redis->cli({QStringLiteral("CLIENT"), QStringLiteral("UNPAUSE")});
        QVERIFY(unknown);
        QVERIFY(c.waitFor([](const ControlProgress &p) { return p.isFinal(); }));
        QCOMPARE(c.steps.last().state, QStringLiteral("unknown"));
        QVERIFY2(
            c.steps.last().message.startsWith(QStringLiteral("unknown: check before retrying")),
            qPrintable(c.steps.last().message));
        QVERIFY(!c.states().contains(QStringLiteral("not sent")));
        QTRY_COMPARE_WITH_TIMEOUT(outcomes(host), QByteArray("requested\nfailed"), 10000);
        QCOMPARE(psql(QStringLiteral("SELECT detail->>'state' FROM agentops.operator_actions "
                                     "WHERE target LIKE 'proc:%1:%%' AND outcome = 'failed'")
                          .arg(host)),
                 QByteArray("unknown"));
    }

    void outcomeIsAuditedAfterPostgresComesBack()
    {
        // The soak's lost row: PM2 ran the reload, the bridge said so, and Postgres was
        // restarting when the console wrote the outcome. The console says the outcome is
        // not audited yet, writes it once Postgres is back, and writes it once.
        const QString host = QStringLiteral("restart-host");
        ControlChannel::Options co = channelOptions(20000);
        co.auditRetryMs = 200;
        co.auditRetryMaxMs = 800;
        Console c(options(QStringLiteral("op")), m_pool.get(), co);
        c.request(host);
        QVERIFY(c.waitForState(QStringLiteral("sent")));
        const QString cmdId = c.steps.last().cmdId;
        m_pg.stop();
        bridgeReports(cmdId, host, QStringLiteral("succeeded"), QStringLiteral("reloaded"));
        const bool noted = c.waitFor([](const ControlProgress &p) {
            return p.state == QStringLiteral("succeeded")
                && p.message.contains(QStringLiteral("not audited yet"));
        });
        QVERIFY2(m_pg.restart(), qPrintable(m_pg.error()));
        QVERIFY2(noted, qPrintable(c.steps.isEmpty() ? QString() : c.steps.last().message));
        QTRY_COMPARE_WITH_TIMEOUT(outcomes(host), QByteArray("requested\nsucceeded"), 20000);
        QVERIFY(c.waitFor([](const ControlProgress &p) {
            return p.message.contains(QStringLiteral("outcome audited after"));
        }));
        QVERIFY2(c.steps.last().message.startsWith(QStringLiteral("reloaded")),
                 qPrintable(c.steps.last().message));
        QTest::qWait(1500); // no second row from a retry still on its way
        QCOMPARE(outcomes(host), QByteArray("requested\nsucceeded"));
    }

private:
    RedisConnectionOptions options(const QString &user) const
    {
        RedisConnectionOptions o = RedisUri::parse(m_redis->uri())->toOptions();
        o.username = user;
        o.password = QStringLiteral("pw");
        return o;
    }
    static ControlChannel::Options channelOptions(int answerMs)
    {
        ControlChannel::Options co;
        co.operatorName = QStringLiteral("tester");
        co.clientHost = QStringLiteral("test-console");
        co.answerTimeoutMs = answerMs;
        co.answerMarginMs = 500;
        return co;
    }
    qint64 redisTime() const
    {
        const QList<QByteArray> parts = m_redis->cli({QStringLiteral("TIME")}).split('\n');
        return parts.value(0).toLongLong() * 1000 + parts.value(1).toLongLong() / 1000;
    }
    // What a bridge writes, as the test's stand-in for one.
    void bridgeReports(const QString &cmdId, const QString &host, const QString &state,
                       const QString &message, const QString &detail = QString())
    {
        QStringList args {QStringLiteral("XADD"),
                          QStringLiteral("agentops:control-results"),
                          QStringLiteral("*"),
                          QStringLiteral("cmd_id"),
                          cmdId,
                          QStringLiteral("host"),
                          host,
                          QStringLiteral("state"),
                          state,
                          QStringLiteral("at"),
                          QString::number(redisTime())};
        if (!message.isEmpty())
            args << QStringLiteral("message") << message;
        if (!detail.isEmpty())
            args << QStringLiteral("detail") << detail;
        QVERIFY(!m_redis->cli(args).trimmed().isEmpty());
    }
    QByteArray psql(const QString &sql) const
    {
        return m_pg.psql(QStringLiteral("sb"), sql).trimmed();
    }
    QByteArray outcomes(const QString &host) const
    {
        return psql(QStringLiteral("SELECT outcome FROM agentops.operator_actions WHERE target "
                                   "LIKE 'proc:%1:%%' ORDER BY id")
                        .arg(host));
    }

    std::unique_ptr<RedisServer> m_redis;
    PostgresServer m_pg;
    std::unique_ptr<PgPool> m_pool;
};

QTEST_GUILESS_MAIN(TestControlChannel)
#include "tst_controlchannel.moc"
