#include "widgets/PromptsView.h"

#include "models/PromptAgentModel.h"
#include "models/PromptDeploymentModel.h"
#include "models/PromptFormat.h"
#include "models/PromptVersionModel.h"
#include "widgets/DiffView.h"
#include "widgets/PromptActions.h"
#include "widgets/PromptSortProxy.h"
#include "widgets/RollbackDialog.h"
#include "widgets/StatusGlyph.h"
#include "widgets/UntrustedLabel.h"
#include "widgets/ViewSetup.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace switchboard {

namespace {

QTableView *makeTable(QAbstractItemModel *model, QWidget *parent)
{
    auto *t = new QTableView(parent);
    t->setModel(model);
    t->setAlternatingRowColors(true);
    t->setWordWrap(false);
    t->verticalHeader()->hide();
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
    t->horizontalHeader()->setStretchLastSection(true);
    t->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    return t;
}

// A table's filter bar, and the table's set-up with it. Ctrl+F: the filter of the
// focused table, else the agents' (the first set up).
QLineEdit *makeFilter(const QString &what, PromptSortProxy *proxy, QTableView *table,
                      QWidget *parent)
{
    QLineEdit *f = viewsetup::filterBar(parent, QStringLiteral("Filter %1").arg(what));
    viewsetup::Options setup;
    setup.filter = f;
    viewsetup::setupView(table, setup);
    f->setAccessibleName(QStringLiteral("Filter %1").arg(what));
    f->setAccessibleDescription(
        QStringLiteral("Shows only %1 whose columns contain this text").arg(what));
    QObject::connect(f, &QLineEdit::textChanged, proxy, &PromptSortProxy::setFilterText);
    return f;
}

QWidget *column(QWidget *top, QWidget *main, QWidget *parent)
{
    auto *w = new QWidget(parent);
    auto *l = new QVBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->setSpacing(2);
    l->addWidget(top);
    l->addWidget(main, 1);
    return w;
}

} // namespace

PromptsView::PromptsView(PromptAgentModel *agents, PromptVersionModel *versions,
                         PromptDeploymentModel *deployments, PromptActions *actions,
                         QWidget *parent)
    : QWidget(parent)
    , m_actions(actions)
    , m_agents(agents)
    , m_versions(versions)
    , m_deployments(deployments)
    , m_agentProxy(new PromptSortProxy(this))
    , m_versionProxy(new PromptSortProxy(this))
    , m_deploymentProxy(new PromptSortProxy(this))
{
    for (QObject *model : {static_cast<QObject *>(m_agents), static_cast<QObject *>(m_versions),
                           static_cast<QObject *>(m_deployments)})
        model->setParent(this);
    m_agentProxy->setSourceModel(m_agents);
    m_versionProxy->setSourceModel(m_versions);
    m_deploymentProxy->setSourceModel(m_deployments);
    buildUi();

    connect(m_actions, &PromptActions::agentsLoaded, this, &PromptsView::onAgents);
    connect(m_actions, &PromptActions::versionsLoaded, this,
            [this](const QString &agent, qint64 before, const QVector<PromptVersionRow> &rows,
                   bool more) {
                if (agent != m_agent)
                    return;
                m_versions->setPage(rows, more, before != 0);
                applyPendingSelection();
                updateRollbackState();
            });
    connect(m_actions, &PromptActions::deploymentsLoaded, this,
            [this](const QString &agent, qint64 before, const QVector<PromptDeploymentRow> &rows,
                   bool more) {
                if (agent == m_agent)
                    m_deployments->setPage(rows, more, before != 0);
            });
    connect(m_actions, &PromptActions::metricsLoaded, this,
            [this](const QString &agent, const QVector<PromptVersionMetrics> &rows) {
                if (agent == m_agent)
                    m_versions->setMetrics(rows);
            });
    connect(m_actions, &PromptActions::pairLoaded, this, &PromptsView::onPair);
    connect(m_actions, &PromptActions::permissionsLoaded, this, [this](const PromptPermissions &p) {
        m_permissions = p;
        m_permissionsKnown = true;
        updateRollbackState();
    });
    connect(m_actions, &PromptActions::unnotifiedLoaded, this,
            [this](const QVector<PromptDeploymentRow> &rows) {
                // Judged from the truth: a deployment whose prompt hash in Redis already
                // carries it was notified (no retry: it would only publish again); one whose
                // hash carries a newer id cannot be retried either (the script refuses).
                m_unnotified.clear();
                QStringList names;
                QStringList newer;
                for (const PromptDeploymentRow &r : rows) {
                    const QString name = QStringLiteral("%1 v%2 (#%3)")
                                             .arg(r.deployment.agent)
                                             .arg(r.deployment.version)
                                             .arg(r.deployment.id);
                    switch (r.notified()) {
                    case NotifiedState::NotNotified:
                        m_unnotified.append(r);
                        names << name;
                        break;
                    case NotifiedState::NewerInRedis:
                        newer << QStringLiteral("%1, Redis has #%2")
                                     .arg(name)
                                     .arg(r.redisDeploymentId.value_or(0));
                        break;
                    case NotifiedState::Recorded:
                    case NotifiedState::SeenInRedis:
                        break;
                    }
                }
                QStringList text;
                if (!names.isEmpty())
                    text << QStringLiteral("%1 deployment(s) committed but agents were NOT "
                                           "notified: %2")
                                .arg(names.size())
                                .arg(names.join(QStringLiteral(", ")));
                if (!newer.isEmpty())
                    text << QStringLiteral("Redis carries a deployment newer than the latest in "
                                           "Postgres (no retry: it would be refused): %1")
                                .arg(newer.join(QStringLiteral("; ")));
                untrusted::setLabel(m_notice, text.join(QLatin1Char('\n')));
                m_notice->setVisible(!text.isEmpty());
                m_retry->setVisible(!m_unnotified.isEmpty());
                m_retry->setEnabled(!m_busy && m_permissions.canRollback);
            });
    connect(
        m_actions, &PromptActions::failed, this, [this](const QString &what, const QString &msg) {
            untrusted::setLabel(m_outcome, QStringLiteral("Could not load %1: %2").arg(what, msg));
            m_outcome->setVisible(true);
        });
    connect(m_versions, &PromptVersionModel::moreRequested, this, [this](qint64 before) {
        if (m_actions)
            m_actions->loadVersions(m_agent, before);
    });
    connect(m_deployments, &PromptDeploymentModel::moreRequested, this, [this](qint64 before) {
        if (m_actions)
            m_actions->loadDeployments(m_agent, before);
    });
    connect(m_actions, &PromptActions::deploymentsChanged, this, [this] { refresh(); });
    connect(&m_refresh, &QTimer::timeout, this, &PromptsView::refresh);
    m_refresh.setInterval(10000);
}

PromptsView::~PromptsView() = default;

void PromptsView::buildUi()
{
    m_notice = new QLabel(this);
    m_notice->setWordWrap(true);
    m_retry = new QPushButton(QStringLiteral("Retry notification"), this);
    m_retry->setIcon(statusIcon(StatusKind::Warning));
    m_outcome = new QLabel(this);
    m_outcome->setWordWrap(true);
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_permission = new QLabel(this);
    m_permission->setWordWrap(true);
    m_rollback = new QPushButton(QStringLiteral("Roll back to selected version…"), this);
    m_notice->hide();
    m_retry->hide();
    m_outcome->hide();

    m_agentTable = makeTable(m_agentProxy, this);
    m_agentTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_versionTable = makeTable(m_versionProxy, this);
    m_versionTable->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_deploymentTable = makeTable(m_deploymentProxy, this);
    m_agentTable->sortByColumn(PromptAgentModel::Agent, Qt::AscendingOrder);
    m_versionTable->sortByColumn(PromptVersionModel::Version, Qt::DescendingOrder);
    m_deploymentTable->sortByColumn(PromptDeploymentModel::Id, Qt::DescendingOrder);
    m_agentFilter = makeFilter(QStringLiteral("agents"), m_agentProxy, m_agentTable, this);
    m_versionFilter = makeFilter(QStringLiteral("versions"), m_versionProxy, m_versionTable, this);
    m_deploymentFilter
        = makeFilter(QStringLiteral("deployments"), m_deploymentProxy, m_deploymentTable, this);

    m_body = new QPlainTextEdit(this);
    m_body->setReadOnly(true);
    m_body->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_body->setPlaceholderText(QStringLiteral("Select a version to read its prompt."));
    m_diff = new DiffView(this);
    m_agentTable->setAccessibleName(QStringLiteral("Agents"));
    m_agentTable->setAccessibleDescription(
        QStringLiteral("Agents with their active prompt version, pinned model and evaluation"));
    m_versionTable->setAccessibleName(QStringLiteral("Prompt versions"));
    m_versionTable->setAccessibleDescription(
        QStringLiteral("The selected agent's prompt versions; select one to compare it with the "
                       "active version, two to compare them"));
    m_deploymentTable->setAccessibleName(QStringLiteral("Deployment timeline"));
    m_deploymentTable->setAccessibleDescription(
        QStringLiteral("Deployments and rollbacks of the selected agent, newest first"));
    m_body->setAccessibleName(QStringLiteral("Prompt body"));
    m_body->setAccessibleDescription(QStringLiteral("The selected version's prompt text"));
    m_retry->setAccessibleDescription(
        QStringLiteral("Writes the deployment to Redis again so the agents pick it up"));
    m_rollback->setAccessibleDescription(
        QStringLiteral("Asks for a reason and confirmation, then deploys the selected version "
                       "again; audited"));

    m_historyTabs = new QTabWidget(this);
    m_historyTabs->addTab(column(m_versionFilter, m_versionTable, this),
                          QStringLiteral("&Versions"));
    m_historyTabs->addTab(column(m_deploymentFilter, m_deploymentTable, this),
                          QStringLiteral("&Deployment timeline"));
    m_detailTabs = new QTabWidget(this);
    m_detailTabs->addTab(m_diff, QStringLiteral("D&iff"));
    m_detailTabs->addTab(m_body, QStringLiteral("&Body"));
    m_historyTabs->setAccessibleName(QStringLiteral("Prompt history"));
    m_detailTabs->setAccessibleName(QStringLiteral("Prompt detail"));

    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_historyTabs);
    right->addWidget(m_detailTabs);
    right->setStretchFactor(0, 1);
    right->setStretchFactor(1, 1);
    auto *main = new QSplitter(Qt::Horizontal, this);
    main->addWidget(column(m_agentFilter, m_agentTable, this));
    main->addWidget(right);
    main->setStretchFactor(0, 1);
    main->setStretchFactor(1, 3);
    main->setSizes({430, 1000});
    right->setSizes({380, 420});
    m_agentTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_agentTable->horizontalHeader()->setStretchLastSection(false);
    m_versionTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_versionTable->horizontalHeader()->setSectionResizeMode(PromptVersionModel::Note,
                                                             QHeaderView::Interactive);
    m_versionTable->horizontalHeader()->resizeSection(PromptVersionModel::Note, 180);
    m_deploymentTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_deploymentTable->horizontalHeader()->setSectionResizeMode(PromptDeploymentModel::Reason,
                                                                QHeaderView::Interactive);
    m_deploymentTable->horizontalHeader()->setStretchLastSection(false);

    auto *noticeRow = new QHBoxLayout;
    noticeRow->addWidget(m_notice, 1);
    noticeRow->addWidget(m_retry);
    auto *actionRow = new QHBoxLayout;
    actionRow->addWidget(m_rollback);
    actionRow->addWidget(m_permission, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(noticeRow);
    layout->addWidget(m_outcome);
    layout->addLayout(actionRow);
    layout->addWidget(main, 1);

    connect(m_agentTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid())
                    selectAgent(current.siblingAtColumn(PromptAgentModel::Agent).data().toString());
            });
    connect(m_versionTable->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &PromptsView::onVersionSelection);
    connect(m_rollback, &QPushButton::clicked, this, &PromptsView::startRollback);
    connect(m_retry, &QPushButton::clicked, this, &PromptsView::retryNotification);
    updateRollbackState();
}

void PromptsView::start()
{
    m_stopped = false;
    refresh();
    m_refresh.start();
}

void PromptsView::shutdown()
{
    m_stopped = true;
    m_refresh.stop();
    m_blockedReason = QStringLiteral("The Postgres connection was closed.");
    m_rollback->setEnabled(false);
    m_retry->setEnabled(false);
    untrusted::setLabel(m_permission, m_blockedReason);
}

void PromptsView::refresh()
{
    if (m_stopped || !m_actions)
        return;
    m_actions->loadAgents();
    m_actions->loadPermissions();
    m_actions->loadUnnotified();
    if (!m_agent.isEmpty()) {
        m_actions->loadVersions(m_agent, 0);
        m_actions->loadDeployments(m_agent, 0);
        m_actions->loadMetrics(m_agent);
    }
}

void PromptsView::showAgent(const QString &agent, int version)
{
    m_pendingVersion = version < 0 ? 0 : version;
    const int row = m_agents->rowOf(agent);
    if (row >= 0) {
        m_agentTable->setCurrentIndex(m_agentProxy->mapFromSource(m_agents->index(row, 0)));
    }
    selectAgent(agent);
}

void PromptsView::selectAgent(const QString &agent)
{
    if (agent == m_agent || m_stopped || !m_actions)
        return;
    m_agent = agent;
    m_activeVersion = -1;
    m_versions->clear();
    m_deployments->clear();
    m_versions->setMetrics({});
    m_pairLoaded = false;
    m_body->clear();
    m_diff->setMessage(QStringLiteral("Loading %1…").arg(agent));
    if (const PromptAgentRow *row = currentAgentRow())
        m_versions->setActiveVersion(row->hasDeployment ? row->active.version : 0);
    if (m_pendingVersion < 0)
        m_pendingVersion = 0; // select the active version when it arrives
    m_actions->loadVersions(agent, 0);
    m_actions->loadDeployments(agent, 0);
    m_actions->loadMetrics(agent);
    updateRollbackState();
}

void PromptsView::applyPendingSelection()
{
    if (m_pendingVersion < 0)
        return;
    const PromptAgentRow *agent = currentAgentRow();
    const qint64 want = m_pendingVersion > 0
        ? m_pendingVersion
        : (agent && agent->hasDeployment ? agent->active.version : 0);
    const int row = m_versions->rowOf(want);
    if (row < 0)
        return;
    m_pendingVersion = -1;
    const QModelIndex i = m_versionProxy->mapFromSource(m_versions->index(row, 0));
    m_versionTable->selectionModel()->select(
        i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_versionTable->scrollTo(i);
}

void PromptsView::onAgents(const QVector<PromptAgentRow> &rows)
{
    m_agents->setRows(rows);
    if (const PromptAgentRow *row = currentAgentRow()) {
        const qint64 active = row->hasDeployment ? row->active.version : 0;
        m_versions->setActiveVersion(active);
        // The diff is against the active version: when that changes (or was not known when
        // the version was selected), compare again.
        if (active != m_activeVersion) {
            m_activeVersion = active;
            onVersionSelection();
        }
        applyPendingSelection();
    }
    if (m_agent.isEmpty() && m_agentProxy->rowCount() > 0)
        m_agentTable->setCurrentIndex(m_agentProxy->index(0, 0));
    updateRollbackState();
}

const PromptAgentRow *PromptsView::currentAgentRow() const
{
    const int row = m_agents->rowOf(m_agent);
    return row >= 0 ? &m_agents->rowAt(row) : nullptr;
}

QList<qint64> PromptsView::selectedVersions() const
{
    QList<qint64> out;
    for (const QModelIndex &i : m_versionTable->selectionModel()->selectedRows()) {
        const QModelIndex s = m_versionProxy->mapToSource(i);
        out << m_versions->rowAt(s.row()).version.version;
    }
    std::sort(out.begin(), out.end());
    return out;
}

void PromptsView::onVersionSelection()
{
    const QList<qint64> versions = selectedVersions();
    m_pairLoaded = false;
    if (versions.isEmpty() || m_agent.isEmpty() || !m_actions) {
        updateRollbackState();
        return;
    }
    const PromptAgentRow *row = currentAgentRow();
    const qint64 active = row && row->hasDeployment ? row->active.version : 0;
    qint64 oldV = versions.first();
    qint64 newV = versions.last();
    if (versions.size() == 1 && active > 0)
        oldV = active; // the active version against the one selected
    m_diff->setMessage(QStringLiteral("Loading v%1 and v%2…").arg(oldV).arg(newV));
    m_actions->loadPair(m_agent, oldV, newV);
    updateRollbackState();
}

void PromptsView::onPair(const PromptVersionDetail &a, const PromptVersionDetail &b)
{
    if (a.agent != m_agent)
        return;
    m_pairOld = a;
    m_pairNew = b;
    m_pairLoaded = true;
    if (!b.problem.isEmpty())
        m_body->setPlainText(QStringLiteral("BAD ROW: %1").arg(b.problem));
    else
        m_body->setPlainText(b.diffText());
    if (!a.found || !b.found)
        m_diff->setMessage(
            QStringLiteral("Version %1 no longer exists.").arg(a.found ? b.version : a.version));
    else if (!a.problem.isEmpty() || !b.problem.isEmpty())
        m_diff->setMessage(QStringLiteral("Cannot diff a bad row: %1")
                               .arg(!a.problem.isEmpty() ? a.problem : b.problem));
    else
        m_diff->setDiff(TextDiff::diff(a.diffText(), b.diffText()),
                        QStringLiteral("v%1").arg(a.version), QStringLiteral("v%1").arg(b.version));
    updateRollbackState();
}

bool PromptsView::diffReady() const
{
    return m_pairLoaded;
}

void PromptsView::updateRollbackState()
{
    QString why;
    const PromptAgentRow *agent = currentAgentRow();
    const QList<qint64> versions = selectedVersions();
    const qint64 active = agent && agent->hasDeployment ? agent->active.version : 0;
    if (m_stopped)
        why = QStringLiteral("The Postgres connection was closed.");
    else if (m_busy)
        why = QStringLiteral("A rollback is running…");
    else if (!m_permissionsKnown)
        why = QStringLiteral("Checking what the Postgres role may do…");
    else if (!m_permissions.canRollback)
        why = m_permissions.reason;
    else if (!agent)
        why = QStringLiteral("Select an agent.");
    else if (versions.size() != 1)
        why = QStringLiteral("Select the one version to roll back to.");
    else if (versions.first() == active)
        why = QStringLiteral("v%1 is already %2's active version.").arg(active).arg(m_agent);
    else if (!agent->hasDeployment)
        why = QStringLiteral("%1 has never been deployed.").arg(m_agent);
    else if (const int row = m_versions->rowOf(versions.first());
             row >= 0 && !m_versions->rowAt(row).problem.isEmpty())
        why = QStringLiteral("v%1 is a bad row: %2")
                  .arg(versions.first())
                  .arg(m_versions->rowAt(row).problem);
    else if (!m_pairLoaded || m_pairNew.version != versions.first() || m_pairOld.version != active)
        why = QStringLiteral("Loading the diff…");
    else if (!m_pairNew.problem.isEmpty())
        why = QStringLiteral("v%1 is a bad row: %2").arg(versions.first()).arg(m_pairNew.problem);
    m_blockedReason = why;
    m_rollback->setEnabled(why.isEmpty());
    untrusted::setToolTip(m_rollback,
                          why.isEmpty() ? QStringLiteral("Roll %1 back to v%2 (asks for a reason)")
                                              .arg(m_agent)
                                              .arg(versions.value(0))
                                        : why);
    const bool permissionProblem = m_permissionsKnown && !m_permissions.canRollback;
    untrusted::setLabel(m_permission,
                        permissionProblem ? QStringLiteral("Rollback disabled: %1").arg(why) : why);
    m_retry->setEnabled(!m_busy && m_permissions.canRollback && !m_stopped);
}

RollbackDialog *PromptsView::createRollbackDialog()
{
    updateRollbackState();
    if (!m_blockedReason.isEmpty())
        return nullptr;
    const PromptAgentRow *agent = currentAgentRow();
    const int row = m_versions->rowOf(m_pairNew.version);
    if (!agent || row < 0)
        return nullptr;
    RollbackDialogInput in;
    in.agent = m_agent;
    in.currentVersion = agent->active.version;
    in.currentDeploymentId = agent->active.id;
    in.currentBy = deployedByText(agent->active.deployedBy, agent->active.dbRole);
    in.currentAt = agent->active.deployedAt;
    in.target = m_versions->rowAt(row);
    in.diff = TextDiff::diff(m_pairOld.diffText(), m_pairNew.diffText());
    return new RollbackDialog(in, this);
}

void PromptsView::startRollback()
{
    RollbackDialog *dialog = createRollbackDialog();
    if (!dialog)
        return;
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { confirmRollback(*dialog); });
    dialog->open();
}

void PromptsView::confirmRollback(const RollbackDialog &dialog)
{
    if (!m_actions)
        return;
    RollbackRequest r;
    r.agent = dialog.input().agent;
    r.targetVersion = dialog.input().target.version.version;
    r.expectedDeploymentId = dialog.input().currentDeploymentId; // what the operator saw
    r.reason = dialog.reason();
    r.overrideEval = dialog.overrideEval();
    r.overrideReason = dialog.overrideReason();
    m_busy = true;
    updateRollbackState();
    untrusted::setLabel(
        m_outcome, QStringLiteral("Rolling back %1 to v%2…").arg(r.agent).arg(r.targetVersion));
    m_outcome->setVisible(true);
    // The actions may outlive the view (a profile switch): the answer then goes nowhere.
    m_actions->rollback(r, [self = QPointer<PromptsView>(this)](const RollbackOutcome &o) {
        if (!self)
            return;
        PromptsView *const view = self;
        view->m_busy = false;
        view->showOutcome(o);
        view->refresh();
        Q_EMIT view->rollbackFinished(o);
    });
}

void PromptsView::retryNotification()
{
    if (m_unnotified.isEmpty() || !m_actions)
        return;
    m_busy = true;
    updateRollbackState();
    auto remaining = std::make_shared<int>(int(m_unnotified.size()));
    for (const PromptDeploymentRow &row : std::as_const(m_unnotified)) {
        m_actions->renotify(
            row.deployment.id,
            [self = QPointer<PromptsView>(this), remaining](const RollbackOutcome &o) {
                if (!self)
                    return;
                PromptsView *const view = self;
                view->showOutcome(o);
                if (--*remaining == 0) {
                    view->m_busy = false;
                    view->refresh();
                }
                Q_EMIT view->rollbackFinished(o);
            });
    }
}

void PromptsView::showOutcome(const RollbackOutcome &o)
{
    const char *mark = o.code == RollbackOutcome::Notified ? "OK"
        : o.code == RollbackOutcome::NotNotified           ? "WARNING"
                                                           : "NOT DONE";
    untrusted::setLabel(m_outcome, QString::fromLatin1(mark) + QStringLiteral(": ") + o.message);
    QPalette p = m_outcome->palette();
    const StatusKind kind = o.code == RollbackOutcome::Notified ? StatusKind::Ok
        : o.code == RollbackOutcome::NotNotified                ? StatusKind::Warning
                                                                : StatusKind::Error;
    p.setColor(QPalette::WindowText, statusColor(kind, palette()));
    m_outcome->setPalette(p);
    m_outcome->setVisible(true);
    updateRollbackState();
}

QString PromptsView::outcomeText() const
{
    return m_outcome->text();
}

QString PromptsView::noticeText() const
{
    return m_notice->isVisible() || !m_notice->text().isEmpty() ? m_notice->text() : QString();
}

} // namespace switchboard
