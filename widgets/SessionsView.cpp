#include "widgets/SessionsView.h"

#include "models/DisplayFormat.h"
#include "models/SessionProxyModel.h"
#include "models/SessionTableModel.h"
#include "widgets/ContextCompositionView.h"
#include "widgets/FillBarDelegate.h"
#include "widgets/SessionThresholdsDialog.h"
#include "widgets/ShapedTextDelegate.h"
#include "widgets/UntrustedLabel.h"
#include "widgets/ViewSetup.h"
#include "widgets/VisibleTimer.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace switchboard {

namespace {

// A QTableView, not a QTreeView: after every re-order or insert QTreeView lays out all
// 100 000 rows again at its next paint (~10 ms), and a dataChanged of a row off screen
// scans its laid-out rows linearly; a table with fixed row heights paints and signals in
// O(visible rows). Profiled with bench_sessions (docs/poller.md).
QTableView *makeTable(QLineEdit *filter, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->verticalHeader()->setVisible(false);
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 4);
    view->setShowGrid(false);
    view->setWordWrap(false);
    // QTableView moves cell by cell on Tab (QTreeView did not): Tab leaves the list.
    view->setTabKeyNavigation(false);
    view->setCornerButtonEnabled(false);
    view->setAlternatingRowColors(true);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    // Sorting, filter keys, copy, menus; the view's actions head its menu.
    viewsetup::Options setup;
    setup.filter = filter;
    viewsetup::setupView(view, setup);
    view->horizontalHeader()->setStretchLastSection(false);
    view->horizontalHeader()->setHighlightSections(false);
    view->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    return view;
}

} // namespace

SessionsView::SessionsView(SessionTableModel *model, SessionsActions *actions, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_proxy(new SessionProxyModel(model, this))
    , m_alertProxy(new SessionProxyModel(model, this))
    , m_fillDelegate(new FillBarDelegate(model->settings(), this))
    , m_filter(viewsetup::filterBar(
          this, QStringLiteral("Filter sessions: id, agent, host, model, layer, state")))
    , m_summary(new QLabel(this))
    , m_feedState(new QLabel(this))
    , m_table(makeTable(m_filter, this))
    , m_alerts(makeTable(nullptr, this))
    , m_alertTitle(new QLabel(this))
    , m_composition(new ContextCompositionView(this))
    , m_traceButton(new QPushButton(QStringLiteral("Open &trace"), this))
    , m_eventsButton(new QPushButton(QStringLiteral("Recovery &events"), this))
    , m_promptButton(new QPushButton(QStringLiteral("&Prompt"), this))
    , m_thresholdsButton(new QPushButton(QStringLiteral("T&hresholds…"), this))
{
    m_filter->setAccessibleName(QStringLiteral("Filter sessions"));
    m_filter->setAccessibleDescription(QStringLiteral(
        "Shows only sessions whose id, agent, host, model, layer or state contains this text"));
    m_traceButton->setAccessibleDescription(
        QStringLiteral("Opens the selected session's trace in the Traces view"));
    m_eventsButton->setAccessibleDescription(
        QStringLiteral("Shows the selected session's recovery events in the Events view"));
    m_promptButton->setAccessibleDescription(
        QStringLiteral("Shows the selected session's prompt version in the Prompts view"));
    m_feedState->setTextInteractionFlags(Qt::TextSelectableByMouse);
    untrusted::makePlain(m_feedState); // a server's words
    untrusted::makePlain(m_summary);

    auto *top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addWidget(m_summary);
    top->addWidget(m_traceButton);
    top->addWidget(m_eventsButton);
    top->addWidget(m_promptButton);
    top->addWidget(m_thresholdsButton);
    m_thresholdsButton->setToolTip(
        QStringLiteral("Fill levels for amber, red and the alert list; desktop notification"));
    connect(m_thresholdsButton, &QPushButton::clicked, this, &SessionsView::editThresholds);
    m_thresholdsButton->setAccessibleDescription(m_thresholdsButton->toolTip());

    // A poll lands in many slices; re-sorting after each one cost an O(rows) merge plus a
    // whole-view repaint per slice. Changed rows show their new values at once and move
    // to their sorted place at most 4 times a second (docs/decisions.md).
    m_proxy->setSettleIntervalMs(kSettleIntervalMs);
    m_alertProxy->setSettleIntervalMs(kSettleIntervalMs);
    m_table->setModel(m_proxy);
    // Cell text from a cache of shaped text (the stock delegate shaped every cell of every
    // repaint); the fill column keeps its bar painter.
    auto *textDelegate = new ShapedTextDelegate(this);
    m_table->setItemDelegate(textDelegate);
    m_table->setItemDelegateForColumn(SessionTableModel::Fill, m_fillDelegate);
    m_table->setColumnHidden(SessionTableModel::Crossed, true);
    m_table->sortByColumn(SessionTableModel::Fill,
                          Qt::DescendingOrder); // closest to overflow first
    m_table->setAccessibleName(QStringLiteral("Live sessions"));
    m_table->setAccessibleDescription(
        QStringLiteral("Live sessions, fullest context window first; the fill column says "
                       "the percentage and marks amber and red by a glyph"));
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
    m_table->setColumnWidth(SessionTableModel::Id, 17 * em);
    m_table->setColumnWidth(SessionTableModel::Agent, 8 * em);
    m_table->setColumnWidth(SessionTableModel::Where, 6 * em);
    m_table->setColumnWidth(SessionTableModel::Host, 5 * em);
    m_table->setColumnWidth(SessionTableModel::Turns, 4 * em);
    m_table->setColumnWidth(SessionTableModel::Fill, 7 * em);
    m_table->setColumnWidth(SessionTableModel::Model, 8 * em);
    m_table->setColumnWidth(SessionTableModel::Prompt, 4 * em);
    m_table->setColumnWidth(SessionTableModel::Summaries, 5 * em);
    m_table->setColumnWidth(SessionTableModel::Idle, 5 * em);

    m_alertProxy->setAlertsOnly(true);
    m_alerts->setModel(m_alertProxy);
    m_alerts->setItemDelegate(textDelegate);
    m_alerts->setItemDelegateForColumn(SessionTableModel::Fill, m_fillDelegate);
    for (int c = 0; c < SessionTableModel::ColumnCount; ++c)
        m_alerts->setColumnHidden(c,
                                  c != SessionTableModel::Id && c != SessionTableModel::Agent
                                      && c != SessionTableModel::Fill
                                      && c != SessionTableModel::Crossed
                                      && c != SessionTableModel::State);
    m_alerts->sortByColumn(SessionTableModel::Crossed, Qt::DescendingOrder); // newest first
    m_alerts->setColumnWidth(SessionTableModel::Id, 22 * em);
    m_alerts->setColumnWidth(SessionTableModel::Fill, 9 * em);
    m_alerts->setAccessibleName(QStringLiteral("Sessions at or above the alert level"));

    auto *alertBox = new QWidget(this);
    auto *alertLayout = new QVBoxLayout(alertBox);
    alertLayout->setContentsMargins(0, 0, 0, 0);
    alertLayout->addWidget(m_alertTitle);
    alertLayout->addWidget(m_alerts, 1);

    auto *left = new QSplitter(Qt::Vertical, this);
    left->addWidget(m_table);
    left->addWidget(alertBox);
    left->setStretchFactor(0, 3);
    left->setStretchFactor(1, 1);
    auto *main = new QSplitter(Qt::Horizontal, this);
    main->addWidget(left);
    main->addWidget(m_composition);
    main->setStretchFactor(0, 3);
    main->setStretchFactor(1, 2);
    main->setSizes({65 * em, 40 * em}); // the table's columns first; the panel reads fine narrower
    left->setSizes({50 * em, 16 * em});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(main, 1);
    layout->addWidget(m_feedState);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &SessionProxyModel::setNeedle);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) { onCurrentChanged(current); });
    connect(m_alerts, &QTableView::activated, this, [this](const QModelIndex &index) {
        selectSession(index.data(SessionTableModel::IdRole).toString());
    });
    // Also moved by the model itself (the current alert's session left): the main list
    // follows after that change, not inside it.
    connect(m_alerts->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &index) {
                if (!index.isValid())
                    return;
                const QString id = index.data(SessionTableModel::IdRole).toString();
                QTimer::singleShot(0, this, [this, id] { selectSession(id); });
            });
    connect(m_model, &SessionTableModel::applied, this, &SessionsView::updateSummary);
    // The first time sessions arrive, the fullest one is selected, so its composition is
    // on screen without a click; afterwards the operator's selection is left alone.
    // Rows reach the list when the proxy settles (kSettleIntervalMs), not at apply().
    const auto autoSelect = [this] {
        if (m_autoSelected || m_table->currentIndex().isValid() || m_proxy->rowCount() == 0)
            return;
        m_autoSelected = true;
        m_table->setCurrentIndex(m_proxy->index(0, 0));
    };
    connect(m_proxy, &SessionProxyModel::settled, this, autoSelect);
    connect(m_traceButton, &QPushButton::clicked, this, [this] {
        if (!currentSessionId().isEmpty())
            Q_EMIT openTraceRequested(currentSessionId());
    });
    connect(m_eventsButton, &QPushButton::clicked, this, [this] {
        if (!currentSessionId().isEmpty())
            Q_EMIT showSessionEventsRequested(currentSessionId());
    });
    connect(m_promptButton, &QPushButton::clicked, this, [this] {
        const int row = m_model->rowOf(currentSessionId().toUtf8());
        if (row >= 0)
            Q_EMIT showPromptRequested(m_model->agentAt(row), m_model->promptVersionAt(row));
    });
    // The idle / crossed columns move with the clock (no model signal): repainted every
    // second while on screen.
    m_tick = new VisibleTimer(this, 1000, [this](bool) {
        m_table->viewport()->update();
        m_alerts->viewport()->update();
    });
    buildActions();
    setActions(actions);
    updateSummary();
    onCurrentChanged({});
}

void SessionsView::buildActions()
{
    auto add = [this](const QString &text, const QKeySequence &key, auto slot) {
        auto *action = new QAction(text, this);
        action->setShortcut(key);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(action, &QAction::triggered, this, slot);
        addAction(action);
        m_table->addAction(action);
        return action;
    };
    add(QStringLiteral("Open trace"), QKeySequence(Qt::CTRL | Qt::Key_T),
        [this] { m_traceButton->click(); });
    add(QStringLiteral("Show recovery events"), QKeySequence(Qt::CTRL | Qt::Key_E),
        [this] { m_eventsButton->click(); });
    add(QStringLiteral("Show prompt"), QKeySequence(Qt::CTRL | Qt::Key_P),
        [this] { m_promptButton->click(); });
    add(QStringLiteral("Reload context"), QKeySequence::Refresh, [this] { reloadComposition(); });
    connect(m_table, &QTableView::activated, this, [this] { m_traceButton->click(); });
    // Down from the filter box goes to the list, like a search field should.
    connect(m_filter, &QLineEdit::returnPressed, this, [this] {
        m_table->setFocus();
        if (!m_table->currentIndex().isValid() && m_proxy->rowCount() > 0)
            m_table->setCurrentIndex(m_proxy->index(0, 0));
    });
}

void SessionsView::setActions(SessionsActions *actions)
{
    m_actions = actions;
}

void SessionsView::showContext(const ContextComposition &composition)
{
    if (composition.sessionId == m_loadedId)
        m_composition->showComposition(composition);
}

void SessionsView::showContextError(const QString &sessionId, const QString &message)
{
    if (sessionId == m_loadedId)
        m_composition->showError(sessionId, message);
}

void SessionsView::setStatusText(const QString &text)
{
    untrusted::setLabel(m_feedState, text);
}

void SessionsView::showPoll(qint64 polledAtMs, int commands, int changed, int left)
{
    setStatusText(
        QStringLiteral("sessions index: last poll %1, %2 Redis commands, %3 changed, %4 left")
            .arg(display::absolute(polledAtMs))
            .arg(commands)
            .arg(changed)
            .arg(left));
}

void SessionsView::showPollFailed(const QString &message)
{
    setStatusText(QStringLiteral("✖ sessions index: ") + message
                  + QStringLiteral(" (showing the last known state; retrying)"));
}

QString SessionsView::currentSessionId() const
{
    const QModelIndex current = m_table->currentIndex();
    return current.isValid() ? current.data(SessionTableModel::IdRole).toString() : QString();
}

bool SessionsView::selectSession(const QString &sessionId)
{
    const int sourceRow = m_model->rowOf(sessionId.toUtf8());
    if (sourceRow < 0)
        return false;
    m_autoSelected = true; // the operator's choice: no first-row pick at this settle
    m_proxy->settleNow(); // a session that just arrived is listed before it is selected
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(sourceRow, 0));
    if (!index.isValid())
        return false;
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index);
    return true;
}

void SessionsView::onCurrentChanged(const QModelIndex &current)
{
    const QString id
        = current.isValid() ? current.data(SessionTableModel::IdRole).toString() : QString();
    for (QPushButton *b : {m_traceButton, m_eventsButton, m_promptButton})
        b->setEnabled(!id.isEmpty());
    if (id == m_loadedId)
        return;
    m_loadedId = id;
    reloadComposition();
}

void SessionsView::reloadComposition()
{
    if (m_loadedId.isEmpty()) {
        if (m_actions)
            m_actions->cancelContext();
        m_composition->showNothing();
        return;
    }
    if (!m_actions) {
        m_composition->showError(m_loadedId, QStringLiteral("not connected to Redis"));
        return;
    }
    m_composition->showLoading(m_loadedId);
    m_actions->loadContext(m_loadedId);
}

void SessionsView::applySettings(const SessionSettings &settings)
{
    m_model->setSettings(settings);
    // The operator's change shows at once, not at the next deferred settle.
    m_proxy->settleNow();
    m_alertProxy->settleNow();
    m_fillDelegate->setSettings(settings);
    m_table->viewport()->update();
    m_alerts->viewport()->update();
    updateSummary();
}

void SessionsView::editThresholds()
{
    SessionThresholdsDialog dialog(m_model->settings(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    applySettings(dialog.settings());
    Q_EMIT settingsChanged(dialog.settings());
}

QString SessionsView::summaryText() const
{
    return m_summary->text();
}

void SessionsView::updateSummary()
{
    const QLocale locale;
    const int level = int(m_model->settings().alertAt * 100.0 + 0.5);
    QString text = QStringLiteral("%1 sessions · %2 at ≥ %3 %")
                       .arg(locale.toString(m_model->rowCount()))
                       .arg(m_model->alertCount())
                       .arg(level);
    if (m_model->badCount() > 0)
        text += QStringLiteral(" · ⚠ %1 bad").arg(m_model->badCount());
    m_summary->setText(text);
    m_alertTitle->setText(QStringLiteral("<b>Alerts</b>: %1 sessions at or above %2 % fill")
                              .arg(m_model->alertCount())
                              .arg(level));
}

} // namespace switchboard
