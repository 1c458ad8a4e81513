// The prompts view on real Postgres and Redis: models under QAbstractItemModelTester from
// before their first change, merge on refresh (no reset, selection kept), bad rows (params
// nested too deep, a 10 MB body) shown as bad, the diff, the rollback dialog and its
// evaluation guard, a viewer role whose rollback action is disabled with the reason, a
// database refusal shown truthfully, and "not notified" + retry in the view; "notified"
// judged from Redis when Postgres has no notification row; and who really acted (display
// name and the database role the server recorded) on a database upgraded from v1. With
// SB_PROMPTS_SHOTS=DIR it also writes PNGs of the view and the dialog.
#include "PromptFixture.h"
#include "app/PromptsFeature.h"
#include "core/pg/Migrator.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/redis/RedisUri.h"
#include "models/PromptAgentModel.h"
#include "models/PromptDeploymentModel.h"
#include "models/PromptFormat.h"
#include "models/PromptVersionModel.h"
#include "models/UntrustedText.h"
#include "support/PostgresServer.h"
#include "support/RedisServer.h"
#include "widgets/DiffView.h"
#include "widgets/PromptsView.h"
#include "widgets/RollbackDialog.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QDir>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

#include <memory>
#include <pqxx/pqxx>

using namespace switchboard;
using namespace switchboard::test;

class TestPromptsView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void showsHistoryAndMergesOnRefresh();
    void badRowsAreMarked();
    void rollbackThroughTheDialog();
    void failedEvaluationNeedsOverrideInDialog();
    void viewerCannotRollBack();
    void notNotifiedThenRetry();
    void notifiedJudgedFromRedis();
    void showsWhoReallyActed();

private:
    void makeView(const QString &dsn, const QString &operatorName = QStringLiteral("tester"));
    QString deploymentCell(int row, int column) const;
    void selectVersion(qint64 version);
    QString sql(const QString &query)
    {
        return QString::fromUtf8(m_pg.psql(m_db, query)).trimmed();
    }

    PostgresServer m_pg;
    RedisServer m_redis;
    QString m_db;
    int m_count = 0;
    std::unique_ptr<PgPool> m_pool;
    std::unique_ptr<RedisClient> m_client;
    std::unique_ptr<PromptServices> m_services;
    std::unique_ptr<PromptsView> m_view;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

void TestPromptsView::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
    QVERIFY2(m_pg.createDatabase(QStringLiteral("roles")), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createLogin(QStringLiteral("viewer_ui"), QStringLiteral("pw"),
                              {QStringLiteral("agentops_viewer")}),
             qPrintable(m_pg.error()));
}

void TestPromptsView::init()
{
    m_db = QStringLiteral("ui%1").arg(++m_count);
    QVERIFY2(m_pg.createDatabase(m_db), qPrintable(m_pg.error()));
    bool ok = false;
    m_pg.psql(m_db,
              promptHistorySql(QStringLiteral("triage"), 4, {2})
                  + promptHistorySql(QStringLiteral("billing"), 2)
                  + QStringLiteral("INSERT INTO agentops.prompt_notifications (deployment_id, "
                                   "notified_by) SELECT id, 'deployer' FROM "
                                   "agentops.prompt_deployments;"),
              &ok);
    QVERIFY(ok);
    m_redis.cli({QStringLiteral("FLUSHALL")});
}

void TestPromptsView::cleanup()
{
    m_view.reset();
    m_testers.clear();
    m_services.reset();
    m_client.reset();
    m_pool.reset();
}

QString TestPromptsView::deploymentCell(int row, int column) const
{
    return m_view->deploymentModel()->index(row, column).data().toString();
}

void TestPromptsView::makeView(const QString &dsn, const QString &operatorName)
{
    m_pool = std::make_unique<PgPool>(PgConfig(dsn), 2);
    RedisConnectionOptions o = RedisUri::parse(m_redis.uri())->toOptions();
    o.commandTimeoutMs = 1500;
    o.connectTimeoutMs = 1500;
    m_client = std::make_unique<RedisClient>(o);
    m_client->open();
    m_services = std::make_unique<PromptServices>(
        m_pool.get(), m_client.get(), Keys(), OperatorIdentity(operatorName, QStringLiteral("ci")));
    m_view.reset(PromptsFeature::createView(m_services.get()));
    // Attached before the first change, as the rules say.
    for (QAbstractItemModel *m : {static_cast<QAbstractItemModel *>(m_view->agentModel()),
                                  static_cast<QAbstractItemModel *>(m_view->versionModel()),
                                  static_cast<QAbstractItemModel *>(m_view->deploymentModel()),
                                  m_view->agentTable()->model(), m_view->versionTable()->model()})
        m_testers.push_back(std::make_unique<QAbstractItemModelTester>(
            m, QAbstractItemModelTester::FailureReportingMode::QtTest));
    m_view->resize(1400, 850);
    m_view->setRefreshInterval(600000); // refreshes are triggered by the test
    m_view->show();
    m_view->start();
}

void TestPromptsView::selectVersion(qint64 version)
{
    const int row = m_view->versionModel()->rowOf(version);
    QVERIFY(row >= 0);
    QTableView *t = m_view->versionTable();
    const QModelIndex src = m_view->versionModel()->index(row, 0);
    const auto *proxy = static_cast<const QSortFilterProxyModel *>(t->model());
    t->selectionModel()->select(proxy->mapFromSource(src),
                                QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void TestPromptsView::showsHistoryAndMergesOnRefresh()
{
    makeView(m_pg.dsn(m_db));
    PromptAgentModel *agents = m_view->agentModel();
    QTRY_COMPARE_WITH_TIMEOUT(agents->rowCount(), 2, 10000);
    m_view->showAgent(QStringLiteral("triage"), -1);
    QTRY_COMPARE_WITH_TIMEOUT(m_view->versionModel()->rowCount(), 4, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_view->deploymentModel()->rowCount(), 4, 10000);
    const int triage = agents->rowOf(QStringLiteral("triage"));
    QCOMPARE(agents->index(triage, PromptAgentModel::Version).data().toString(),
             QStringLiteral("v4"));
    QCOMPARE(agents->index(triage, PromptAgentModel::Notified).data().toString(),
             QStringLiteral("notified"));
    // The active version is selected and shown; its eval and the failed one are marked.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_view->bodyView()->toPlainText().contains(QStringLiteral("You are triage, version 4.")),
        10000);
    PromptVersionModel *versions = m_view->versionModel();
    QCOMPARE(versions->index(versions->rowOf(2), PromptVersionModel::Eval).data().toString(),
             QStringLiteral("FAILED"));
    QCOMPARE(versions->index(versions->rowOf(4), PromptVersionModel::Version).data().toString(),
             QStringLiteral("v4 active"));

    // Diff of two selected versions, including the pinned model and parameters.
    QItemSelectionModel *sel = m_view->versionTable()->selectionModel();
    const auto *proxy = static_cast<const QSortFilterProxyModel *>(m_view->versionTable()->model());
    sel->select(proxy->mapFromSource(versions->index(versions->rowOf(1), 0)),
                QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    sel->select(proxy->mapFromSource(versions->index(versions->rowOf(3), 0)),
                QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_view->diffView()->summaryText().startsWith(QStringLiteral("v1 → v3")), 10000);
    QVERIFY2(m_view->diffView()->leftText().contains(QStringLiteral("model: model-1")),
             qPrintable(m_view->diffView()->leftText()));
    QVERIFY(m_view->diffView()->rightText().contains(QStringLiteral("param temperature: 0.3")));
    m_view->diffView()->setMode(DiffView::Unified);
    QVERIFY(m_view->diffView()->unifiedText().contains(QStringLiteral("- model: model-1")));

    // A refresh with one new deployment merges: one row inserted, no reset, selection kept.
    QSignalSpy resets(m_view->deploymentModel(), &QAbstractItemModel::modelReset);
    QSignalSpy inserts(m_view->deploymentModel(), &QAbstractItemModel::rowsInserted);
    sql(QStringLiteral(
        "INSERT INTO agentops.prompt_deployments (agent, version, deployed_by, kind, "
        "reason, previous_version, previous_deployment_id) SELECT 'triage', 3, "
        "'carol', 'rollback', 'test', 4, max(id) FROM agentops.prompt_deployments "
        "WHERE agent = 'triage'"));
    m_view->start(); // refresh now
    QTRY_COMPARE_WITH_TIMEOUT(m_view->deploymentModel()->rowCount(), 5, 10000);
    QCOMPARE(resets.size(), 0);
    QCOMPARE(inserts.size(), 1);
    QCOMPARE(sel->selectedRows().size(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(agents->index(triage, PromptAgentModel::Notified).data().toString(),
                              QStringLiteral("NOT notified"), 10000);
}

void TestPromptsView::badRowsAreMarked()
{
    // jsonb nests deeper than the contract's 64 levels; a body over the 4 MiB cap.
    const QString deep = QString(70, QLatin1Char('[')) + QString(70, QLatin1Char(']'));
    sql(QStringLiteral("INSERT INTO agentops.prompt_versions (agent, version, body, model, params, "
                       "created_by) VALUES ('triage', 5, 'x', 'm', '%1', 'mallory'), "
                       "('triage', 6, repeat('y', 10485760), 'm', NULL, 'mallory')")
            .arg(deep));
    makeView(m_pg.dsn(m_db));
    m_view->showAgent(QStringLiteral("triage"), 6);
    PromptVersionModel *versions = m_view->versionModel();
    QTRY_COMPARE_WITH_TIMEOUT(versions->rowCount(), 6, 10000);
    const QString deepProblem
        = versions->index(versions->rowOf(5), 0).data(promptroles::Problem).toString();
    QVERIFY2(deepProblem.contains(QStringLiteral("params")), qPrintable(deepProblem));
    // Tooltips are escaped rich text (docs/style.md, "Untrusted everything").
    QCOMPARE(versions->index(versions->rowOf(5), 0).data(Qt::ToolTipRole).toString(),
             untrusted::toolTip(deepProblem));
    const QString bigProblem
        = versions->index(versions->rowOf(6), 0).data(promptroles::Problem).toString();
    QVERIFY2(bigProblem.contains(QStringLiteral("10485760 bytes, over the 4194304-byte cap")),
             qPrintable(bigProblem));
    QCOMPARE(versions->index(versions->rowOf(6), PromptVersionModel::Body).data().toString(),
             QStringLiteral("10.0 MiB"));
    // The marked row has an icon; the good rows still show.
    QVERIFY(!m_view->versionTable()
                 ->model()
                 ->data(static_cast<const QSortFilterProxyModel *>(m_view->versionTable()->model())
                            ->mapFromSource(versions->index(versions->rowOf(6), 0)),
                        Qt::DecorationRole)
                 .isNull());
    // Opening the 10 MB version shows why it is bad, not its body.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_view->bodyView()->toPlainText().startsWith(QStringLiteral("BAD ROW")), 10000);
    QVERIFY(m_view->bodyView()->toPlainText().size() < 1000);
    // (The active version may arrive after the selection: the pair is then loaded again.)
    QTRY_VERIFY_WITH_TIMEOUT(
        m_view->diffView()->summaryText().contains(QStringLiteral("Cannot diff a bad row")), 10000);
    QVERIFY(!m_view->rollbackButton()->isEnabled());
    QVERIFY2(m_view->rollbackBlockedReason().contains(QStringLiteral("bad row")),
             qPrintable(m_view->rollbackBlockedReason()));
}

void TestPromptsView::rollbackThroughTheDialog()
{
    makeView(m_pg.dsn(m_db));
    m_view->showAgent(QStringLiteral("triage"), 3);
    QTRY_VERIFY_WITH_TIMEOUT(m_view->rollbackButton()->isEnabled(), 10000);
    std::unique_ptr<RollbackDialog> dialog(m_view->createRollbackDialog());
    QVERIFY(dialog);
    QVERIFY2(dialog->headline().contains(QStringLiteral("Roll back agent triage from version 4")),
             qPrintable(dialog->headline()));
    QVERIFY(dialog->headline().contains(QStringLiteral("to version 3")));
    QVERIFY2(dialog->evaluationText().contains(QStringLiteral("passed")),
             qPrintable(dialog->evaluationText()));
    QVERIFY(!dialog->needsOverride());
    QVERIFY(!dialog->confirmButton()->isEnabled()); // no reason yet
    dialog->reasonEdit()->setPlainText(QStringLiteral("v4 loops"));
    QVERIFY(dialog->confirmButton()->isEnabled());
    if (const QString dir = qEnvironmentVariable("SB_PROMPTS_SHOTS"); !dir.isEmpty()) {
        QDir().mkpath(dir);
        dialog->show();
        QTest::qWait(200);
        dialog->grab().save(QDir(dir).filePath(QStringLiteral("prompts-rollback-dialog.png")));
        m_view->grab().save(QDir(dir).filePath(QStringLiteral("prompts-view.png")));
    }
    QSignalSpy finished(m_view.get(), &PromptsView::rollbackFinished);
    m_view->confirmRollback(*dialog);
    QVERIFY(finished.wait(20000));
    const auto outcome = finished.at(0).at(0).value<RollbackOutcome>();
    QVERIFY2(outcome.code == RollbackOutcome::Notified, qPrintable(outcome.message));
    QVERIFY2(
        m_view->outcomeText().startsWith(QStringLiteral("OK: Rolled back triage from version 4 "
                                                        "to version 3")),
        qPrintable(m_view->outcomeText()));
    QCOMPARE(sql(QStringLiteral(
                 "SELECT version FROM agentops.prompt_deployment_status WHERE "
                 "agent = 'triage' AND notified_at IS NOT NULL ORDER BY id DESC LIMIT 1")),
             QStringLiteral("3"));
    QTRY_COMPARE_WITH_TIMEOUT(m_view->deploymentModel()->rowCount(), 5, 10000);
}

void TestPromptsView::failedEvaluationNeedsOverrideInDialog()
{
    makeView(m_pg.dsn(m_db));
    m_view->showAgent(QStringLiteral("triage"), 2);
    QTRY_VERIFY_WITH_TIMEOUT(m_view->rollbackButton()->isEnabled(), 10000);
    std::unique_ptr<RollbackDialog> dialog(m_view->createRollbackDialog());
    QVERIFY(dialog);
    QVERIFY(dialog->needsOverride());
    QVERIFY2(dialog->evaluationText().contains(QStringLiteral("FAILED")),
             qPrintable(dialog->evaluationText()));
    dialog->reasonEdit()->setPlainText(QStringLiteral("need v2"));
    QVERIFY(!dialog->confirmButton()->isEnabled());
    dialog->overrideBox()->setChecked(true);
    QVERIFY(!dialog->confirmButton()->isEnabled()); // the override needs its reason
    dialog->overrideReasonEdit()->setText(QStringLiteral("suite flaked"));
    QVERIFY(dialog->confirmButton()->isEnabled());
    if (const QString dir = qEnvironmentVariable("SB_PROMPTS_SHOTS"); !dir.isEmpty()) {
        QDir().mkpath(dir);
        dialog->show();
        QTest::qWait(200);
        dialog->grab().save(QDir(dir).filePath(QStringLiteral("prompts-rollback-override.png")));
    }
    QSignalSpy finished(m_view.get(), &PromptsView::rollbackFinished);
    m_view->confirmRollback(*dialog);
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.at(0).at(0).value<RollbackOutcome>().code, RollbackOutcome::Notified);
}

void TestPromptsView::viewerCannotRollBack()
{
    makeView(m_pg.loginDsn(QStringLiteral("viewer_ui"), QStringLiteral("pw"), m_db));
    m_view->showAgent(QStringLiteral("triage"), 3);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_view->rollbackBlockedReason().contains(QStringLiteral("may not execute")), 10000);
    QVERIFY(!m_view->rollbackButton()->isEnabled());
    QVERIFY(m_view->rollbackBlockedReason().contains(QStringLiteral("viewer_ui")));
    QTRY_COMPARE_WITH_TIMEOUT(m_view->versionModel()->rowCount(), 4, 10000);
    QVERIFY(m_view->rollbackButton()->toolTip().contains(QStringLiteral("may not execute")));
    QVERIFY(m_view->rollbackBlockedReason().contains(QStringLiteral("agentops.rollback_prompt")));
    // If it is attempted anyway (rights changed under us), the database's refusal is shown.
    RollbackDialogInput in;
    in.agent = QStringLiteral("triage");
    in.currentVersion = 4;
    in.currentDeploymentId = sql(QStringLiteral("SELECT max(id) FROM agentops.prompt_deployments "
                                                "WHERE agent = 'triage'"))
                                 .toLongLong();
    in.target = m_view->versionModel()->rowAt(m_view->versionModel()->rowOf(3));
    RollbackDialog dialog(in);
    dialog.reasonEdit()->setPlainText(QStringLiteral("try"));
    QSignalSpy finished(m_view.get(), &PromptsView::rollbackFinished);
    m_view->confirmRollback(dialog);
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.at(0).at(0).value<RollbackOutcome>().code, RollbackOutcome::NoPermission);
    QVERIFY2(m_view->outcomeText().contains(QStringLiteral("permission denied")),
             qPrintable(m_view->outcomeText()));
}

void TestPromptsView::notNotifiedThenRetry()
{
    makeView(m_pg.dsn(m_db));
    m_view->showAgent(QStringLiteral("triage"), 3);
    QTRY_VERIFY_WITH_TIMEOUT(m_view->rollbackButton()->isEnabled(), 10000);
    std::unique_ptr<RollbackDialog> dialog(m_view->createRollbackDialog());
    QVERIFY(dialog);
    dialog->reasonEdit()->setPlainText(QStringLiteral("r"));
    m_redis.stop();
    QSignalSpy finished(m_view.get(), &PromptsView::rollbackFinished);
    m_view->confirmRollback(*dialog);
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.at(0).at(0).value<RollbackOutcome>().code, RollbackOutcome::NotNotified);
    QVERIFY2(m_view->outcomeText().startsWith(QStringLiteral("WARNING")),
             qPrintable(m_view->outcomeText()));
    QTRY_VERIFY_WITH_TIMEOUT(m_view->noticeText().contains(QStringLiteral("NOT notified")), 10000);
    QVERIFY(m_view->retryButton()->isVisible());

    QVERIFY(m_redis.restart());
    QTRY_VERIFY_WITH_TIMEOUT(m_client->state() == RedisConnection::State::Ready, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(m_view->retryButton()->isEnabled(), 5000);
    m_view->retryButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 2, 20000);
    QCOMPARE(finished.at(1).at(0).value<RollbackOutcome>().code, RollbackOutcome::Notified);
    QTRY_VERIFY_WITH_TIMEOUT(m_view->noticeText().isEmpty(), 10000);
    QVERIFY(!m_view->retryButton()->isVisible());
}

void TestPromptsView::notifiedJudgedFromRedis()
{
    // A deployer that wrote Redis but not prompt_notifications: triage's new deployment has
    // no notification row, but its prompt hash carries it. billing's hash carries an older
    // deployment: that one was really never told.
    const QString triage = sql(QStringLiteral(
        "INSERT INTO agentops.prompt_deployments (agent, version, deployed_by, kind, reason, "
        "previous_version, previous_deployment_id) SELECT 'triage', 3, 'ci', 'deploy', 'r', 4, "
        "max(id) FROM agentops.prompt_deployments WHERE agent = 'triage' RETURNING id"));
    const QString billingOld = sql(
        QStringLiteral("SELECT max(id) FROM agentops.prompt_deployments WHERE agent = 'billing'"));
    const QString billing = sql(QStringLiteral(
        "INSERT INTO agentops.prompt_deployments (agent, version, deployed_by, kind, reason, "
        "previous_version, previous_deployment_id) SELECT 'billing', 1, 'ci', 'deploy', 'r', 2, "
        "max(id) FROM agentops.prompt_deployments WHERE agent = 'billing' RETURNING id"));
    QVERIFY(!triage.isEmpty() && !billing.isEmpty());
    m_redis.cli({QStringLiteral("HSET"), QStringLiteral("agentops:prompt:triage"),
                 QStringLiteral("deployment_id"), triage.section(QLatin1Char('\n'), 0, 0)});
    m_redis.cli({QStringLiteral("HSET"), QStringLiteral("agentops:prompt:billing"),
                 QStringLiteral("deployment_id"), billingOld});
    makeView(m_pg.dsn(m_db));
    QTRY_VERIFY_WITH_TIMEOUT(m_client->state() == RedisConnection::State::Ready, 5000);
    m_view->start(); // again, now that Redis is ready
    PromptAgentModel *agents = m_view->agentModel();
    QTRY_COMPARE_WITH_TIMEOUT(agents->rowCount(), 2, 10000);
    const int t = agents->rowOf(QStringLiteral("triage"));
    const int b = agents->rowOf(QStringLiteral("billing"));
    QTRY_COMPARE_WITH_TIMEOUT(agents->index(t, PromptAgentModel::Notified).data().toString(),
                              QStringLiteral("notified (seen in Redis)"), 10000);
    QCOMPARE(agents->index(t, PromptAgentModel::Notified).data(promptroles::Status).toInt(),
             int(PromptRowStatus::Ok));
    QCOMPARE(agents->index(b, PromptAgentModel::Notified).data().toString(),
             QStringLiteral("NOT notified"));
    // Only billing is offered again; triage's retry would only publish again. (The first
    // start, before Redis was ready, listed both: wait for the notice of the second.)
    QTRY_VERIFY2_WITH_TIMEOUT(m_view->noticeText().contains(QStringLiteral("billing v1"))
                                  && !m_view->noticeText().contains(QStringLiteral("triage")),
                              qPrintable(m_view->noticeText()), 10000);
    QVERIFY(m_view->retryButton()->isVisible());
    // The timeline says the same for triage's latest deployment.
    m_view->showAgent(QStringLiteral("triage"), -1);
    QTRY_COMPARE_WITH_TIMEOUT(m_view->deploymentModel()->rowCount(), 5, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(deploymentCell(0, PromptDeploymentModel::Notified),
                              QStringLiteral("notified (seen in Redis)"), 10000);
    QCOMPARE(deploymentCell(1, PromptDeploymentModel::Notified), QStringLiteral("notified"));
    if (const QString dir = qEnvironmentVariable("SB_PROMPTS_SHOTS"); !dir.isEmpty()) {
        QDir().mkpath(dir);
        for (QTabWidget *tabs : m_view->findChildren<QTabWidget *>())
            for (int i = 0; i < tabs->count(); ++i)
                if (tabs->tabText(i).contains(QStringLiteral("timeline")))
                    tabs->setCurrentIndex(i);
        QTest::qWait(300);
        QVERIFY(
            m_view->grab().save(QDir(dir).filePath(QStringLiteral("prompts-seen-in-redis.png"))));
    }

    // billing's hash now carries a deployment newer than any in Postgres: not notified, but
    // no retry either (the script would refuse it); the notice says why.
    m_redis.cli({QStringLiteral("HSET"), QStringLiteral("agentops:prompt:billing"),
                 QStringLiteral("deployment_id"), QStringLiteral("9999")});
    m_view->start();
    QTRY_COMPARE_WITH_TIMEOUT(agents->index(b, PromptAgentModel::Notified).data().toString(),
                              QStringLiteral("NOT notified (Redis has #9999)"), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!m_view->retryButton()->isVisible(), 10000);
    QVERIFY2(m_view->noticeText().contains(QStringLiteral("Redis has #9999")),
             qPrintable(m_view->noticeText()));
}

void TestPromptsView::showsWhoReallyActed()
{
    // A database made by v1, with its history, then upgraded by migration 002: the old rows
    // have no database role, a rollback made afterwards by the login ops_alice has one.
    const QString db = QStringLiteral("upgraded%1").arg(m_count);
    QVERIFY2(m_pg.createDatabase(db, false), qPrintable(m_pg.error()));
    QList<Migration> all = Migrator::embeddedMigrations();
    QList<Migration> v1;
    for (const Migration &m : all)
        if (m.version == 1)
            v1 << m;
    {
        pqxx::connection c(m_pg.dsn(db).toStdString());
        QVERIFY(Migrator(v1).migrate(c).ok);
    }
    bool ok = false;
    m_pg.psql(db,
              promptHistorySql(QStringLiteral("triage"), 4, {2})
                  + QStringLiteral("INSERT INTO agentops.prompt_notifications (deployment_id, "
                                   "notified_by) SELECT id, 'deployer' FROM "
                                   "agentops.prompt_deployments;"),
              &ok);
    QVERIFY(ok);
    {
        pqxx::connection c(m_pg.dsn(db).toStdString());
        const MigrationReport report = Migrator(all).migrate(c);
        QVERIFY2(report.ok, qPrintable(report.error));
    }
    m_pg.psql(db, QStringLiteral("GRANT CONNECT ON DATABASE %1 TO PUBLIC").arg(db), &ok);
    QVERIFY(m_pg.createLogin(QStringLiteral("ops_alice"), QStringLiteral("pw"),
                             {QStringLiteral("agentops_operator")}));

    makeView(m_pg.loginDsn(QStringLiteral("ops_alice"), QStringLiteral("pw"), db),
             QStringLiteral("alice"));
    m_view->showAgent(QStringLiteral("triage"), 3);
    QTRY_VERIFY_WITH_TIMEOUT(m_view->rollbackButton()->isEnabled(), 10000);
    std::unique_ptr<RollbackDialog> dialog(m_view->createRollbackDialog());
    QVERIFY(dialog);
    dialog->reasonEdit()->setPlainText(QStringLiteral("v4 loops on tool errors"));
    QSignalSpy finished(m_view.get(), &PromptsView::rollbackFinished);
    m_view->confirmRollback(*dialog);
    QVERIFY(finished.wait(20000));
    QVERIFY2(finished.at(0).at(0).value<RollbackOutcome>().code == RollbackOutcome::Notified,
             qPrintable(finished.at(0).at(0).value<RollbackOutcome>().message));

    QTRY_COMPARE_WITH_TIMEOUT(m_view->deploymentModel()->rowCount(), 5, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(deploymentCell(0, PromptDeploymentModel::By),
                              QStringLiteral("alice (db: ops_alice)"), 10000);
    for (int row = 1; row < 5; ++row)
        QCOMPARE(deploymentCell(row, PromptDeploymentModel::By), QStringLiteral("deployer"));
    QVERIFY(m_view->deploymentModel()
                ->index(1, PromptDeploymentModel::By)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("before the server recorded")));
    PromptAgentModel *agents = m_view->agentModel();
    QTRY_COMPARE_WITH_TIMEOUT(
        agents->index(agents->rowOf(QStringLiteral("triage")), PromptAgentModel::DeployedBy)
            .data()
            .toString(),
        QStringLiteral("alice (db: ops_alice)"), 10000);
    // The database agrees: the old rows kept NULL, the new ones carry the login.
    QCOMPARE(QString::fromUtf8(
                 m_pg.psql(db,
                           QStringLiteral("SELECT string_agg(coalesce(db_role, '-'), ',' "
                                          "ORDER BY id) FROM agentops.prompt_deployments")))
                 .trimmed(),
             QStringLiteral("-,-,-,-,ops_alice"));
    if (const QString dir = qEnvironmentVariable("SB_PROMPTS_SHOTS"); !dir.isEmpty()) {
        QDir().mkpath(dir);
        for (QTabWidget *tabs : m_view->findChildren<QTabWidget *>())
            for (int i = 0; i < tabs->count(); ++i)
                if (tabs->tabText(i).contains(QStringLiteral("timeline")))
                    tabs->setCurrentIndex(i);
        QTest::qWait(300);
        QVERIFY(m_view->grab().save(QDir(dir).filePath(QStringLiteral("prompts-who-acted.png"))));
    }
}

QTEST_MAIN(TestPromptsView)
#include "tst_promptsview.moc"
