// The processes view on real data: a PM2 fleet with the bridge, plus a host whose
// bridge went silent (members in `N procs`, hashes expired). Checks what the operator
// sees: the silent host greyed with "silent since", buttons disabled with the reason
// until an app is selected, the dialog's required reason and its words for fork /
// cluster mode, and a reload's live progress line ending in succeeded, next to a command
// the bridge rejected with its reason; each line says who acted ("oncall (db:
// ops_oncall)": the display name and the database role the server stamped on the audit
// row). With SB_SHOT_DIR set it writes processes-view.png while the command is in progress
// and processes-actions.png when both are done.
#include "core/contract/Keys.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/redis/RedisUri.h"
#include "core/services/ControlChannel.h"
#include "core/services/IndexDeltaPoller.h"
#include "core/services/ProcessEventLog.h"
#include "models/ProcessTreeModel.h"
#include "support/Pm2Fleet.h"
#include "support/PostgresServer.h"
#include "support/RedisServer.h"
#include "widgets/ActionsPanel.h"
#include "widgets/ProcessesView.h"
#include "widgets/ReloadDialog.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTreeView>

using namespace switchboard;
using namespace switchboard::test;

namespace {

QModelIndex findRow(QAbstractItemModel *m, const QString &text, const QModelIndex &parent = {})
{
    for (int r = 0; r < m->rowCount(parent); ++r) {
        const QModelIndex i = m->index(r, 0, parent);
        if (i.data().toString().startsWith(text))
            return i;
        const QModelIndex below = findRow(m, text, i);
        if (below.isValid())
            return below;
    }
    return {};
}

} // namespace

class TestProcessesView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void dialogNamesTheTargetAndRequiresAReason()
    {
        ProcessActionRequest r;
        r.action = ControlAction::Reload;
        r.host = QStringLiteral("h1");
        r.app = QStringLiteral("sip-gateway");
        r.execMode = ExecMode::Cluster;
        ReloadDialog dialog(r);
        const auto buttons = dialog.findChildren<QPushButton *>();
        QPushButton *ok = nullptr;
        for (QPushButton *b : buttons)
            if (b->text().startsWith(QStringLiteral("reload")))
                ok = b;
        QVERIFY(ok);
        QVERIFY(!ok->isEnabled());
        dialog.findChild<QPlainTextEdit *>()->setPlainText(QStringLiteral("  "));
        QVERIFY(!ok->isEnabled()); // blanks are no reason
        dialog.findChild<QPlainTextEdit *>()->setPlainText(QStringLiteral("stuck workers"));
        QVERIFY(ok->isEnabled());
        QCOMPARE(dialog.request().reason, QStringLiteral("stuck workers"));
        QVERIFY(ReloadDialog::consequence(ControlAction::Reload, ExecMode::Cluster)
                    .contains(QStringLiteral("Graceful")));
        QVERIFY(ReloadDialog::consequence(ControlAction::Reload, ExecMode::Fork)
                    .contains(QStringLiteral("downtime")));
    }

    void liveFleetSilentHostAndAReloadInProgress()
    {
        QString why;
        if (!Pm2Fleet::available(&why))
            QFAIL(qPrintable(why));
        RedisServer redis;
        QVERIFY2(redis.start(), qPrintable(redis.error()));
        PostgresServer pg;
        QVERIFY2(pg.start(), qPrintable(pg.error()));
        QVERIFY2(pg.createDatabase(QStringLiteral("sb")), qPrintable(pg.error()));
        QVERIFY2(pg.createLogin(QStringLiteral("ops_oncall"), QStringLiteral("pw-ops"),
                                {QStringLiteral("agentops_operator")}),
                 qPrintable(pg.error()));
        QVERIFY2(pg.createLogin(QStringLiteral("bridge_demo"), QStringLiteral("pw-bridge"),
                                {QStringLiteral("agentops_bridge")}),
                 qPrintable(pg.error()));
        Pm2Fleet fleet(redis.uri(), QStringLiteral("demo-pm2-host"));
        fleet.setPgDsn(pg.loginDsn(QStringLiteral("bridge_demo"), QStringLiteral("pw-bridge"),
                                   QStringLiteral("sb")));
        QVERIFY2(fleet.start(), qPrintable(fleet.error()));
        // A host whose bridge stopped 4 minutes ago: members stay, hashes expired.
        const QByteArray old = QByteArray::number(QDateTime::currentMSecsSinceEpoch() - 240000);
        for (int i = 0; i < 2; ++i)
            redis.cli({QStringLiteral("ZADD"), QStringLiteral("agentops:procs"),
                       QString::fromLatin1(old), QStringLiteral("edge-07:reasoner:%1").arg(i)});

        const RedisConnectionOptions ro = RedisUri::parse(redis.uri())->toOptions();
        RedisClient client(ro);
        client.open();
        PgPool pool(PgConfig(pg.loginDsn(QStringLiteral("ops_oncall"), QStringLiteral("pw-ops"),
                                         QStringLiteral("sb"))));
        const Keys keys;

        ProcessesView view;
        QAbstractItemModelTester tester(view.model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        IndexDeltaPoller::Options po;
        po.indexKey = keys.procs();
        po.hashKey = [keys](const QByteArray &m) -> QByteArray {
            return keys.ns() + "proc:" + m;
        };
        po.intervalMs = 500;
        po.fieldsRefreshMs = 20000;
        IndexDeltaPoller poller(&client, po);
        connect(&poller, &IndexDeltaPoller::delta, view.model(), &ProcessTreeModel::applyDelta);
        ProcessEventLog log(&client, ro, keys.procEvents());
        view.setEventLog(&log);
        ControlChannel::Options co;
        co.operatorName = QStringLiteral("oncall");
        ControlChannel channel(&client, ro, &pool, keys, co);
        view.setControl(&channel);
        view.resize(1280, 760);
        view.show();
        poller.start();
        log.start();
        channel.probePermissions();
        QTRY_COMPARE_WITH_TIMEOUT(view.model()->instanceCount(), 6, 20000);

        // The silent host: greyed, "silent since", with the icon of a warning.
        QAbstractItemModel *shown = view.tree()->model();
        const QModelIndex edge = findRow(shown, QStringLiteral("edge-07"));
        QVERIFY(edge.isValid());
        const QModelIndex edgeStatus = edge.siblingAtColumn(ProcessTreeModel::Status);
        QVERIFY2(edgeStatus.data().toString().startsWith(QStringLiteral("silent since")),
                 qPrintable(edgeStatus.data().toString()));
        QVERIFY(edge.data(ProcessTreeModel::SilentRole).toBool());
        QVERIFY(edge.data(Qt::ForegroundRole).isValid());

        // Nothing selected: disabled, and it says why.
        QTRY_VERIFY(!view.disabledReason().isEmpty());
        QCOMPARE(view.disabledReason(), QStringLiteral("Select an app or an instance"));
        const QModelIndex reasoner = findRow(shown, QStringLiteral("reasoner"),
                                             findRow(shown, QStringLiteral("demo-pm2-host")));
        QVERIFY(reasoner.isValid());
        view.tree()->setCurrentIndex(reasoner);
        QTRY_VERIFY(view.disabledReason().isEmpty());
        const auto target = view.selectedTarget(ControlAction::Reload);
        QVERIFY(target);
        QCOMPARE(target->app, QStringLiteral("reasoner"));
        QCOMPARE(target->host, QStringLiteral("demo-pm2-host"));
        QVERIFY(!target->pmId); // the app row: all instances
        QCOMPARE(target->execMode, ExecMode::Fork);

        QList<ControlProgress> steps;
        connect(&channel, &ControlChannel::progress,
                [&steps](const ControlProgress &p) { steps.append(p); });
        ProcessActionRequest req = *target;
        req.reason = QStringLiteral("config change: new model endpoint");
        channel.request(req);
        QTRY_VERIFY_WITH_TIMEOUT(
            !steps.isEmpty()
                && (steps.last().state == QStringLiteral("running") || steps.last().isFinal()),
            30000);
        QVERIFY(!steps.last().isFinal()); // grace period: still running
        QCOMPARE(view.actionsPanel()->actionCount(), 1);
        const QString shotDir = qEnvironmentVariable("SB_SHOT_DIR");
        if (!shotDir.isEmpty()) {
            QTest::qWait(300);
            QVERIFY(view.grab().save(shotDir + QStringLiteral("/processes-view.png")));
        }
        QTRY_VERIFY_WITH_TIMEOUT(steps.last().isFinal(), 60000);
        QVERIFY2(steps.last().succeeded, qPrintable(steps.last().message));
        const int reloadId = steps.last().actionId;
        const ActionsPanel *panel = view.actionsPanel();
        QCOMPARE(panel->text(reloadId, ActionsPanel::StateColumn), QStringLiteral("succeeded"));
        QCOMPARE(panel->text(reloadId, ActionsPanel::ByColumn),
                 QStringLiteral("oncall (db: ops_oncall)"));

        // A command the bridge refuses: the panel shows its reason.
        ProcessActionRequest refused;
        refused.action = ControlAction::Restart;
        refused.host = QStringLiteral("demo-pm2-host");
        refused.app = QStringLiteral("no-such-app");
        refused.reason = QStringLiteral("typo in the app name");
        const int refusedId = channel.request(refused);
        QTRY_VERIFY_WITH_TIMEOUT(steps.last().actionId == refusedId && steps.last().isFinal(),
                                 30000);
        QCOMPARE(panel->text(refusedId, ActionsPanel::StateColumn), QStringLiteral("rejected"));
        QVERIFY2(panel->text(refusedId, ActionsPanel::MessageColumn)
                     .contains(QStringLiteral("no-such-app")),
                 qPrintable(panel->text(refusedId, ActionsPanel::MessageColumn)));
        QCOMPARE(panel->text(refusedId, ActionsPanel::ByColumn),
                 QStringLiteral("oncall (db: ops_oncall)"));
        QCOMPARE(panel->actionCount(), 2);
        if (!shotDir.isEmpty()) {
            QTest::qWait(300);
            QVERIFY(view.grab().save(shotDir + QStringLiteral("/processes-actions.png")));
        }
    }
};

QTEST_MAIN(TestProcessesView)
#include "tst_processesview.moc"
