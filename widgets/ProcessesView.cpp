#include "widgets/ProcessesView.h"

#include "models/ProcessTreeModel.h"
#include "widgets/ActionsPanel.h"
#include "widgets/ProcessActions.h"
#include "widgets/ProcessEventsPanel.h"
#include "widgets/ProcessProxyModel.h"
#include "widgets/ProcessTreeView.h"
#include "widgets/ReloadDialog.h"
#include "widgets/ShapedTextDelegate.h"
#include "widgets/UntrustedLabel.h"
#include "widgets/ViewSetup.h"
#include "widgets/VisibleTimer.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

namespace switchboard {

ProcessesView::ProcessesView(ProcessTreeModel *model, ProcessActions *actions, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_proxy(new ProcessProxyModel(this))
    , m_tree(new ProcessTreeView(this))
    , m_filter(viewsetup::filterBar(this, QStringLiteral("Filter host, app, status")))
    , m_reload(new QPushButton(QStringLiteral("Reload…"), this))
    , m_restart(new QPushButton(QStringLiteral("Restart…"), this))
    , m_note(new QLabel(this))
    , m_why(new QLabel(this))
    , m_events(new ProcessEventsPanel(this))
    , m_actions(new ActionsPanel(this))
    , m_control(actions)
{
    m_model->setParent(this);
    m_proxy->setSourceModel(m_model);
    m_tree->setModel(m_proxy);
    viewsetup::Options setup;
    setup.filter = m_filter;
    setup.menu = [this](QMenu *menu, const QModelIndex &) {
        for (QPushButton *button : {m_reload, m_restart}) {
            const QKeySequence key = button == m_reload
                ? QKeySequence(Qt::CTRL | Qt::Key_R)
                : QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R);
            QAction *action = menu->addAction(button->text() + QLatin1Char('\t')
                                              + key.toString(QKeySequence::NativeText));
            action->setEnabled(button->isEnabled());
            connect(action, &QAction::triggered, button, &QPushButton::click);
        }
    };
    viewsetup::setupView(m_tree, setup);
    m_tree->sortByColumn(ProcessTreeModel::Name, Qt::AscendingOrder);
    m_tree->setItemDelegate(new ShapedTextDelegate(m_tree)); // text layouts cached
    m_tree->setAlternatingRowColors(true);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->header()->setStretchLastSection(false);
    m_tree->setColumnWidth(ProcessTreeModel::Name, 220);
    m_tree->setColumnWidth(ProcessTreeModel::Status, 200);
    for (int c = ProcessTreeModel::Pid; c < ProcessTreeModel::ColumnCount; ++c)
        m_tree->setColumnWidth(c,
                               c == ProcessTreeModel::Heartbeat || c == ProcessTreeModel::Uptime
                                       || c == ProcessTreeModel::Memory
                                   ? 90
                                   : 72);

    m_filter->setAccessibleName(QStringLiteral("Filter processes"));
    m_filter->setAccessibleDescription(
        QStringLiteral("Shows only processes whose host, app or status contains this text"));
    m_tree->setAccessibleName(QStringLiteral("Processes"));
    m_tree->setAccessibleDescription(
        QStringLiteral("Agent processes by host and layer: status, restarts, uptime, CPU, "
                       "memory, heartbeat age"));
    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    m_reload->setToolTip(QStringLiteral("Reload the selected app or instance (Ctrl+R)"));
    m_restart->setToolTip(QStringLiteral("Restart the selected app or instance (Ctrl+Shift+R)"));
    m_reload->setAccessibleDescription(m_reload->toolTip());
    m_restart->setAccessibleDescription(m_restart->toolTip());
    connect(m_reload, &QPushButton::clicked, this,
            [this] { requestAction(ControlAction::Reload); });
    connect(m_restart, &QPushButton::clicked, this,
            [this] { requestAction(ControlAction::Restart); });
    auto *reloadKey = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_R), this);
    connect(reloadKey, &QShortcut::activated, m_reload, &QPushButton::click);
    auto *restartKey = new QShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), this);
    connect(restartKey, &QShortcut::activated, m_restart, &QPushButton::click);
    m_why->setWordWrap(false);
    m_note->setVisible(false);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_filter, 2);
    bar->addWidget(m_reload);
    bar->addWidget(m_restart);
    bar->addWidget(m_why, 3);

    auto *bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(m_events);
    bottom->addWidget(m_actions);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_tree);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_note);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &ProcessesView::onCurrentChanged);
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this] { updateButtons(); });
    // Expand once rows came and the model has applied everything queued: mid-way through
    // a sliced first load of 10 000 rows the count is still small, and expanding then made
    // the tree lay out every later insert (200-700 ms of the initial load in bench_procs).
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] { m_rowsCame = true; });
    connect(m_model, &ProcessTreeModel::applied, this, [this] {
        if (m_expandPending || !m_rowsCame)
            return;
        m_expandPending = true;
        QTimer::singleShot(0, this, &ProcessesView::expandSmallFleet);
    });
    // Every second while on screen (and at once when shown again).
    new VisibleTimer(this, 1000, [this](bool) {
        m_model->tick(); // rows whose silence changed, and the host rows
        repaintAges(); // ages of the rest are computed as they are painted
    });
    if (m_control) {
        connect(m_control, &ProcessActions::permissionChanged, this, [this] { updateButtons(); });
        connect(m_control, &ProcessActions::progress, m_actions, &ActionsPanel::showProgress);
        m_events->setSource(m_control);
    }
    updateButtons();
}

void ProcessesView::repaintAges()
{
    // Only the columns that move with the clock: the whole viewport was 10-14 ms of
    // painting per second (perf, bench_procs), most of it text that had not changed. The
    // tree paints each rect of the region separately, column by column.
    const int height = m_tree->viewport()->height();
    for (int c : {int(ProcessTreeModel::Status), int(ProcessTreeModel::Uptime),
                  int(ProcessTreeModel::Heartbeat)}) {
        const int x = m_tree->header()->sectionViewportPosition(c);
        const int w = m_tree->header()->sectionSize(c);
        if (w > 0 && !m_tree->header()->isSectionHidden(c))
            m_tree->viewport()->update(QRect(x, 0, w, height));
    }
}

void ProcessesView::expandSmallFleet()
{
    m_expandPending = false;
    m_rowsCame = false;
    if (m_model->instanceCount() <= 200)
        m_tree->expandAll(); // a big fleet starts collapsed: hosts only
}

void ProcessesView::setNote(const QString &text)
{
    untrusted::setLabel(m_note, text);
    m_note->setVisible(!text.isEmpty());
}

std::optional<ProcessActionRequest> ProcessesView::selectedTarget(ControlAction action) const
{
    const QModelIndex current = m_tree->currentIndex();
    if (!current.isValid())
        return std::nullopt;
    const int kind = current.data(ProcessTreeModel::KindRole).toInt();
    if (kind != ProcessTreeModel::AppNode && kind != ProcessTreeModel::InstanceNode)
        return std::nullopt;
    ProcessActionRequest r;
    r.action = action;
    r.host = current.data(ProcessTreeModel::HostRole).toString();
    r.app = current.data(ProcessTreeModel::AppRole).toString();
    if (kind == ProcessTreeModel::InstanceNode)
        r.pmId = int(current.data(ProcessTreeModel::PmIdRole).toLongLong());
    r.execMode = current.data(ProcessTreeModel::ExecModeRole).toString() == QLatin1String("cluster")
        ? ExecMode::Cluster
        : ExecMode::Fork;
    return r;
}

bool ProcessesView::selectApp(const QString &host, const QString &app)
{
    for (int h = 0; h < m_proxy->rowCount(); ++h) {
        const QModelIndex hostRow = m_proxy->index(h, 0);
        if (hostRow.data(ProcessTreeModel::HostRole).toString() != host)
            continue;
        for (int l = 0; l < m_proxy->rowCount(hostRow); ++l) {
            const QModelIndex layer = m_proxy->index(l, 0, hostRow);
            for (int a = 0; a < m_proxy->rowCount(layer); ++a) {
                const QModelIndex appRow = m_proxy->index(a, 0, layer);
                if (appRow.data(ProcessTreeModel::AppRole).toString() == app) {
                    m_tree->setCurrentIndex(appRow);
                    // After the pending expand of a small fleet has laid the tree out.
                    QTimer::singleShot(100, this, [this] {
                        m_tree->scrollTo(m_tree->currentIndex(),
                                         QAbstractItemView::PositionAtCenter);
                    });
                    return true;
                }
            }
        }
    }
    return false;
}

QString ProcessesView::disabledReason() const
{
    if (!m_control || !m_control->canControl())
        return QStringLiteral("Actions need both Redis and Postgres connected");
    if (!m_control->permission().probed)
        return QStringLiteral("Checking permissions…");
    if (!m_control->permission().allowed)
        return m_control->permission().reason;
    if (!selectedTarget(ControlAction::Reload))
        return QStringLiteral("Select an app or an instance");
    return {};
}

void ProcessesView::updateButtons()
{
    const QString why = disabledReason();
    m_reload->setEnabled(why.isEmpty());
    m_restart->setEnabled(why.isEmpty());
    QString note = why;
    if (why.isEmpty() && m_control && m_control->canControl()
        && !m_control->permission().reason.isEmpty())
        note = m_control->permission().reason; // e.g. Redis permission unknown
    untrusted::setLabel(m_why, note); // a server's words
    untrusted::setToolTip(m_why, note);
}

void ProcessesView::onCurrentChanged()
{
    const QModelIndex current = m_tree->currentIndex();
    const int kind = current.data(ProcessTreeModel::KindRole).toInt();
    const QString host = current.data(ProcessTreeModel::HostRole).toString();
    const QString app = current.data(ProcessTreeModel::AppRole).toString();
    m_events->showApp(host,
                      kind == ProcessTreeModel::AppNode || kind == ProcessTreeModel::InstanceNode
                          ? app
                          : QString());
    QSet<QByteArray> members;
    const QModelIndex src = m_proxy->mapToSource(current);
    if (kind == ProcessTreeModel::InstanceNode)
        members.insert(src.data(ProcessTreeModel::MemberRole).toByteArray());
    for (int r = 0; kind == ProcessTreeModel::AppNode && r < m_model->rowCount(src); ++r)
        members.insert(m_model->index(r, 0, src).data(ProcessTreeModel::MemberRole).toByteArray());
    Q_EMIT priorityMembersChanged(members);
    updateButtons();
}

void ProcessesView::requestAction(ControlAction action)
{
    const auto target = selectedTarget(action);
    if (!target || !disabledReason().isEmpty() || !m_control)
        return;
    auto *dialog = new ReloadDialog(*target, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this,
            [this, dialog] { m_control->request(dialog->request()); });
    dialog->open();
}

} // namespace switchboard
