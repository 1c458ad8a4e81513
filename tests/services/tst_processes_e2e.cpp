// End to end with everything real: a PM2 daemon running the sample agents, the bridge
// (with its own Postgres login in agentops_bridge, passed in its environment), Redis,
// Postgres. The console's own code path (IndexDeltaPoller -> ProcessTreeModel for the
// view, ControlChannel for the action) reloads an agent as an operator login: PM2's
// restart count goes up, the bridge's result arrives, and both audit rows exist, linked,
// the request stamped with the operator's database role. The console's laptop clock is
// off (the tree's by +10 s, the channel's by -60 s): the hosts are not shown silent and the
// command is not expired, because both judge by the Redis server's TIME. A command for an
// app the host does not run is rejected by the bridge with its reason and audited as
// refused; a role without EXECUTE on agentops.request_action is told so by the permission
// probe, before any click.
#include "core/contract/Keys.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/redis/RedisUri.h"
#include "core/redis/ServerClock.h"
#include "core/services/ControlChannel.h"
#include "core/services/IndexDeltaPoller.h"
#include "models/ProcessTreeModel.h"
#include "support/Pm2Fleet.h"
#include "support/PostgresServer.h"
#include "support/RedisServer.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

using namespace switchboard;
using namespace switchboard::test;

class TestProcessesE2e : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QString why;
        if (!Pm2Fleet::available(&why))
            QFAIL(qPrintable(why)); // a missing PM2 is a broken setup, not a skip
        QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
        QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
        QVERIFY2(m_pg.createDatabase(QStringLiteral("sb")), qPrintable(m_pg.error()));
        // An operator's login for the console, the bridge's own login for the bridge.
        QVERIFY2(m_pg.createLogin(QStringLiteral("ops_e2e"), QStringLiteral("pw-ops"),
                                  {QStringLiteral("agentops_operator")}),
                 qPrintable(m_pg.error()));
        QVERIFY2(m_pg.createLogin(QStringLiteral("bridge_e2e"), QStringLiteral("pw-bridge"),
                                  {QStringLiteral("agentops_bridge")}),
                 qPrintable(m_pg.error()));
        m_fleet = std::make_unique<Pm2Fleet>(m_redis.uri(), QStringLiteral("e2e-host"));
        m_fleet->setPgDsn(m_pg.loginDsn(QStringLiteral("bridge_e2e"), QStringLiteral("pw-bridge"),
                                        QStringLiteral("sb")));
        QVERIFY2(m_fleet->start(), qPrintable(m_fleet->error()));
    }
    void cleanupTestCase() { m_fleet.reset(); }

    void reloadThroughTheConsoleRaisesRestartCount()
    {
        RedisConnectionOptions ro = RedisUri::parse(m_redis.uri())->toOptions();
        RedisClient client(ro);
        client.open();
        PgPool pool(operatorPool());
        const Keys keys;
        // Two laptops' clocks: 10 s fast for the tree, 60 s slow for the command.
        ServerClock fast(&client), slow(&client);
        fast.setLocalClock([] { return QDateTime::currentMSecsSinceEpoch() + 10000; });
        slow.setLocalClock([] { return QDateTime::currentMSecsSinceEpoch() - 60000; });
        fast.start();
        slow.start();
        QTRY_VERIFY_WITH_TIMEOUT(fast.isMeasured() && slow.isMeasured(), 10000);

        // The view's data path: the tree fills with the 4 instances of e2e-host.
        ProcessTreeModel model;
        model.setClock([&fast] { return fast.nowMs(); });
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        IndexDeltaPoller::Options po;
        po.indexKey = keys.procs();
        po.hashKey = [keys](const QByteArray &m) -> QByteArray {
            return keys.ns() + "proc:" + m;
        };
        po.intervalMs = 300;
        IndexDeltaPoller poller(&client, po);
        connect(&poller, &IndexDeltaPoller::delta, &model, &ProcessTreeModel::applyDelta);
        poller.start();
        QTRY_COMPARE_WITH_TIMEOUT(model.instanceCount(), 4, 20000);

        const int pmId = m_fleet->pmIdOf(QStringLiteral("reasoner"));
        QVERIFY(pmId >= 0);
        const int before = m_fleet->restarts(QStringLiteral("reasoner"), pmId);
        const QByteArray member
            = Keys::procMember(QStringLiteral("e2e-host"), QStringLiteral("reasoner"), pmId);
        const QModelIndex row = model.indexOfMember(member);
        QVERIFY(row.isValid());
        QCOMPARE(row.data(ProcessTreeModel::ExecModeRole).toString(), QStringLiteral("fork"));
        QCOMPARE(row.siblingAtColumn(ProcessTreeModel::Restarts).data().toInt(), before);
        // Not "silent since": judged against Redis TIME, a laptop 10 s fast sees the
        // heartbeats as fresh. (Silent after 3 beats of 500 ms: polled until a fresh beat
        // is in, so a starved CI machine does not fail it; 10 s of skew never passes.)
        QTRY_VERIFY_WITH_TIMEOUT(
            !model.indexOfMember(member).data(ProcessTreeModel::SilentRole).toBool(), 5000);
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("e2e-host"));
        QTRY_VERIFY_WITH_TIMEOUT(!model.index(0, 0).data(ProcessTreeModel::SilentRole).toBool(),
                                 5000);

        ControlChannel::Options co;
        co.operatorName = QStringLiteral("e2e-operator");
        co.clientHost = QStringLiteral("e2e-console");
        co.answerTimeoutMs = 45000;
        co.clock = &slow;
        ControlChannel channel(&client, ro, &pool, keys, co);
        QSignalSpy perm(&channel, &ControlChannel::permissionChanged);
        channel.probePermissions();
        QTRY_COMPARE_WITH_TIMEOUT(perm.count(), 1, 10000);
        QVERIFY2(channel.permission().allowed, qPrintable(channel.permission().reason));

        QList<ControlProgress> steps;
        connect(&channel, &ControlChannel::progress,
                [&steps](const ControlProgress &p) { steps.append(p); });
        ProcessActionRequest req;
        req.action = ControlAction::Reload;
        req.host = QStringLiteral("e2e-host");
        req.app = QStringLiteral("reasoner");
        req.pmId = pmId;
        req.execMode = ExecMode::Fork;
        req.reason = QStringLiteral("e2e: reload after config change");
        const int id = channel.request(req);
        QTRY_VERIFY_WITH_TIMEOUT(!steps.isEmpty() && steps.last().isFinal(), 60000);
        const ControlProgress last = steps.last();
        QCOMPARE(last.actionId, id);
        QVERIFY2(last.succeeded,
                 qPrintable(last.state + QStringLiteral(": ") + last.message + QStringLiteral("\n")
                            + m_fleet->bridgeLog()));
        QStringList states;
        for (const ControlProgress &p : std::as_const(steps))
            states << p.state;
        QVERIFY2(states.contains(QStringLiteral("running")), qPrintable(states.join(u',')));
        QVERIFY(!states.contains(QStringLiteral("expired")));
        QCOMPARE(last.actedBy(), QStringLiteral("e2e-operator (db: ops_e2e)"));

        // PM2 itself counted the restart, and the view's row shows it.
        QVERIFY(m_fleet->restarts(QStringLiteral("reasoner"), pmId) > before);
        QTRY_VERIFY_WITH_TIMEOUT(
            model.indexOfMember(member).siblingAtColumn(ProcessTreeModel::Restarts).data().toInt()
                > before,
            10000);

        // Two audit rows, append-only, the outcome row pointing at the request.
        QTRY_COMPARE_WITH_TIMEOUT(
            m_pg.psql(QStringLiteral("sb"),
                      QStringLiteral("SELECT count(*) FROM agentops.operator_actions"))
                .trimmed(),
            QByteArray("2"), 10000);
        const QByteArray rows = m_pg.psql(
            QStringLiteral("sb"),
            QStringLiteral("SELECT a.outcome || ',' || a.target || ',' || a.operator || ','"
                           " || a.db_role || ',' || coalesce(a.params->>'cmd_id', '') || ','"
                           " || b.outcome || ',' || b.db_role || ',' || (b.ref_id = a.id) FROM "
                           "agentops.operator_actions a JOIN agentops.operator_actions b ON "
                           "b.ref_id = a.id"));
        QCOMPARE(rows.trimmed(),
                 QStringLiteral("requested,proc:e2e-host:reasoner:%1,e2e-operator,ops_e2e,%2,"
                                "succeeded,ops_e2e,true")
                     .arg(pmId)
                     .arg(last.cmdId)
                     .toUtf8());
    }

    void unknownAppIsRejectedAndAuditedAsRefused()
    {
        RedisConnectionOptions ro = RedisUri::parse(m_redis.uri())->toOptions();
        RedisClient client(ro);
        client.open();
        PgPool pool(operatorPool());
        ControlChannel::Options co;
        co.operatorName = QStringLiteral("e2e-operator");
        co.answerTimeoutMs = 30000;
        ControlChannel channel(&client, ro, &pool, Keys(), co);
        QList<ControlProgress> steps;
        connect(&channel, &ControlChannel::progress,
                [&steps](const ControlProgress &p) { steps.append(p); });
        ProcessActionRequest req;
        req.action = ControlAction::Restart;
        req.host = QStringLiteral("e2e-host");
        req.app = QStringLiteral("no-such-app");
        req.reason = QStringLiteral("e2e: refused");
        channel.request(req);
        QTRY_VERIFY_WITH_TIMEOUT(!steps.isEmpty() && steps.last().isFinal(), 40000);
        QCOMPARE(steps.last().state, QStringLiteral("rejected"));
        QVERIFY(!steps.last().succeeded);
        // The bridge's reason is what the operator reads.
        QVERIFY2(steps.last().message.contains(QStringLiteral("no-such-app")),
                 qPrintable(steps.last().message));
        QTRY_COMPARE_WITH_TIMEOUT(
            m_pg.psql(QStringLiteral("sb"),
                      QStringLiteral("SELECT outcome FROM agentops.operator_actions WHERE "
                                     "target LIKE '%no-such-app%' ORDER BY id"))
                .trimmed(),
            QByteArray("requested\nrefused"), 10000);
    }

    void noAuditPermissionMeansDisabledAndNothingSent()
    {
        QVERIFY2(m_pg.createLogin(QStringLiteral("e2e_viewer"), QStringLiteral("pw"),
                                  {QStringLiteral("agentops_viewer")}),
                 qPrintable(m_pg.error()));
        RedisConnectionOptions ro = RedisUri::parse(m_redis.uri())->toOptions();
        RedisClient client(ro);
        client.open();
        PgPool pool(PgConfig(m_pg.loginDsn(QStringLiteral("e2e_viewer"), QStringLiteral("pw"),
                                           QStringLiteral("sb"))));
        ControlChannel channel(&client, ro, &pool, Keys(), {});
        QSignalSpy perm(&channel, &ControlChannel::permissionChanged);
        channel.probePermissions();
        QTRY_COMPARE_WITH_TIMEOUT(perm.count(), 1, 10000);
        QVERIFY(!channel.permission().allowed);
        QVERIFY2(channel.permission().reason.contains(QStringLiteral("agentops.request_action")),
                 qPrintable(channel.permission().reason));
        // Even if asked anyway: the audit row is refused, so the command is never sent.
        const QByteArray streamLen = "XLEN";
        QList<ControlProgress> steps;
        connect(&channel, &ControlChannel::progress,
                [&steps](const ControlProgress &p) { steps.append(p); });
        ProcessActionRequest req;
        req.host = QStringLiteral("nowhere-host");
        req.app = QStringLiteral("reasoner");
        req.reason = QStringLiteral("should not be sent");
        channel.request(req);
        QTRY_VERIFY_WITH_TIMEOUT(!steps.isEmpty() && steps.last().isFinal(), 10000);
        QCOMPARE(steps.last().state, QStringLiteral("not sent"));
        QCOMPARE(m_redis
                     .cli({QString::fromLatin1(streamLen),
                           QStringLiteral("agentops:control:nowhere-host")})
                     .trimmed(),
                 QByteArray("0"));
    }

private:
    PgConfig operatorPool() const
    {
        return PgConfig(m_pg.loginDsn(QStringLiteral("ops_e2e"), QStringLiteral("pw-ops"),
                                      QStringLiteral("sb")));
    }

    RedisServer m_redis;
    PostgresServer m_pg;
    std::unique_ptr<Pm2Fleet> m_fleet;
};

QTEST_GUILESS_MAIN(TestProcessesE2e)
#include "tst_processes_e2e.moc"
