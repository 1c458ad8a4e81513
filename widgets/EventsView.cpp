#include "widgets/EventsView.h"

#include "models/RecoveryEventFilterProxy.h"
#include "models/RecoveryEventTableModel.h"
#include "widgets/ClearButton.h"
#include "widgets/EventRateChart.h"
#include "widgets/ShapedTextDelegate.h"
#include "widgets/UntrustedLabel.h"
#include "widgets/ViewSetup.h"
#include "widgets/VisibleTimer.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPersistentModelIndex>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace switchboard {

namespace {
using OF = RecoveryEventFilterProxy::OutcomeFilter;
const std::pair<const char *, OF> kOutcomes[] = {{"any outcome", OF::Any},
                                                 {"✓ recovered", OF::Recovered},
                                                 {"✗ failed", OF::Failed},
                                                 {"… in progress", OF::InProgress},
                                                 {"⚠ unrecoverable", OF::Unrecoverable},
                                                 {"⊘ bad records", OF::Bad}};

QString grouped(qint64 n)
{
    return QLocale::system().toString(n);
}
} // namespace

EventsView::EventsView(const Models &models, EventsActions *actions, const Options &options,
                       QWidget *parent)
    : QWidget(parent)
    , m_options(options)
    , m_live(models.live)
    , m_historyModel(models.history)
    , m_proxy(new RecoveryEventFilterProxy(this))
    , m_liveRates(models.liveRates)
    , m_actions(actions)
{
    m_live->setParent(this);
    m_historyModel->setParent(this);
    // One insert + repaint per 33 ms at most: a flood scrolls faster than anyone reads, and
    // painting the visible rows at 60 Hz cost the GUI thread ~280 ms of CPU per second in
    // Bench 2, CPU the tail worker needs on a busy machine. Latency stays far under 100 ms.
    m_live->setMinFlushIntervalMs(33);
    // And at most 5 000 rows per pass: a flood inserts ~3 300 per 33 ms and is not sliced
    // (slicing it at 2 000 cost ~1 us more GUI CPU per event in Bench 2: each slice is one
    // more front eviction through the proxy and one more repaint, for no smaller chunk),
    // but a batch of up to 100 000 rows after the GUI thread was away is spread over passes.
    m_live->setMaxRowsPerFlush(5000);
    // The first flood filled the buffer a 4 KB page fault every ~15 rows, on the GUI thread
    // (a third of a 7-10 ms insert pass on a VM): mapped ahead, off the GUI thread.
    m_live->makeBufferResident();
    m_historyModel->setRelativeTimes(false);
    m_proxy->setSourceModel(m_live);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    layout->addWidget(buildToolbar());

    m_chart = new EventRateChart(this);
    m_table = new QTableView(this);
    m_table->setModel(m_proxy);
    m_table->setItemDelegate(new ShapedTextDelegate(m_table)); // text layouts cached
    viewsetup::Options setup;
    setup.sortable = false; // arrival order until the operator sorts
    setup.filter = m_filter;
    setup.menu = [this](QMenu *menu, const QModelIndex &index) {
        addRowActions(menu, index);
    };
    viewsetup::setupView(m_table, setup);
    m_table->horizontalHeader()->setSectionsClickable(true);
    connect(m_table->horizontalHeader(), &QHeaderView::sectionClicked, this, [this](int column) {
        m_table->setSortingEnabled(true);
        m_table->sortByColumn(column, m_table->horizontalHeader()->sortIndicatorOrder());
        m_follow->setChecked(false);
    });
    m_table->setVerticalScrollMode(QAbstractItemView::ScrollPerItem);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);
    m_table->setAccessibleName(QStringLiteral("Recovery events"));
    m_table->setAccessibleDescription(
        QStringLiteral("Error-recovery events: kind, agent, session, what failed, what was "
                       "done, and whether it recovered. Enter opens the session's trace"));
    m_chart->setAccessibleName(QStringLiteral("Recovery events per minute by kind"));
    m_chart->setAccessibleDescription(
        QStringLiteral("A trend chart with prompt deployments marked; the table below has the "
                       "exact events"));
    m_table->horizontalHeader()->setStretchLastSection(true);
    const int widths[] = {90, 110, 150, 130, 90, 150, 130, 60};
    for (int c = 0; c < 8; ++c)
        m_table->setColumnWidth(c, widths[c]);
    connect(m_table, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        const QString session = sessionAt(index);
        if (!session.isEmpty())
            emit openTraceRequested(session);
    });

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_chart);
    splitter->addWidget(m_table);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 5);
    layout->addWidget(splitter, 1);

    auto *status = new QHBoxLayout;
    m_state = new QLabel(QStringLiteral("not connected"), this);
    m_counters = new QLabel(this);
    m_counters->setTextInteractionFlags(Qt::TextSelectableByMouse);
    untrusted::makePlain(m_state); // server messages, stream names
    untrusted::makePlain(m_counters);
    status->addWidget(m_state);
    status->addStretch(1);
    status->addWidget(m_counters);
    layout->addLayout(status);

    connect(
        m_proxy, &QAbstractItemModel::rowsAboutToBeRemoved, this,
        [this](const QModelIndex &, int first, int last) { onRowsAboutToBeRemoved(first, last); });
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, [this] { onRowsRemoved(); });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, [this] { onRowsInserted(); });
    // The counters line at most 4 times a second: each setText relayouts the toolbar (a
    // flood inserts 30 times a second).
    auto *countersTimer = new QTimer(this);
    countersTimer->setSingleShot(true);
    countersTimer->setInterval(250);
    connect(countersTimer, &QTimer::timeout, this, [this] { updateCounters(); });
    connect(m_live, &RecoveryEventTableModel::flushed, countersTimer, [countersTimer] {
        if (!countersTimer->isActive())
            countersTimer->start();
    });
    // Scrolling away from the bottom stops following; scrolling back resumes it.
    connect(m_table->verticalScrollBar(), &QAbstractSlider::actionTriggered, this, [this] {
        QTimer::singleShot(0, this, [this] {
            const QScrollBar *bar = m_table->verticalScrollBar();
            if (m_mode == Mode::Live && !m_table->isSortingEnabled())
                m_follow->setChecked(bar->value() >= bar->maximum());
        });
    });

    // Relative times age, the live chart moves, deployments appear: once a second is
    // plenty (only visible cells repaint), and only while the view is on screen.
    int ticks = 0;
    m_ticker = new VisibleTimer(this, 1000, [this, ticks](bool shown) mutable {
        if (m_mode != Mode::Live)
            return;
        m_table->viewport()->update();
        if (++ticks % 2 == 0 || shown)
            refreshLiveChart();
        if (ticks % 30 == 1)
            refreshDeployments();
    });
    refreshLiveChart();
    updateCounters();
}

EventsView::~EventsView() = default;

QWidget *EventsView::buildToolbar()
{
    auto *bar = new QWidget(this);
    auto *row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    m_modeBox = new QComboBox(bar);
    m_modeBox->addItems({QStringLiteral("Live tail"), QStringLiteral("History")});
    m_modeBox->setToolTip(QStringLiteral("Live: the events stream as it arrives. History: "
                                         "agentops.recovery_events for a time range."));
    connect(m_modeBox, &QComboBox::currentIndexChanged, this,
            [this](int i) { setMode(i == 0 ? Mode::Live : Mode::History); });
    m_modeBox->setAccessibleName(QStringLiteral("Events source"));
    m_modeBox->setAccessibleDescription(m_modeBox->toolTip());
    row->addWidget(m_modeBox);

    m_filter = viewsetup::filterBar(bar, QStringLiteral("Filter"));
    m_filter->setAccessibleName(QStringLiteral("Filter events"));
    m_filter->setAccessibleDescription(
        QStringLiteral("Shows only events whose text contains this"));
    row->addWidget(m_filter, 2);

    m_kind = new QComboBox(bar);
    m_kind->addItem(QStringLiteral("any kind"));
    for (int k = 0; k < kRecoveryKindCount; ++k)
        m_kind->addItem(enumToText(RecoveryKind(k)), k);
    row->addWidget(m_kind);
    m_kind->setAccessibleName(QStringLiteral("Event kind"));
    m_outcome = new QComboBox(bar);
    for (const auto &o : kOutcomes)
        m_outcome->addItem(QString::fromUtf8(o.first), int(o.second));
    row->addWidget(m_outcome);
    m_outcome->setAccessibleName(QStringLiteral("Outcome"));
    m_outcome->setAccessibleDescription(QStringLiteral("Recovered, failed or any"));
    m_agent = new QLineEdit(bar);
    m_agent->setPlaceholderText(QStringLiteral("agent"));
    enableClearButton(m_agent);
    row->addWidget(m_agent, 1);
    m_agent->setAccessibleName(QStringLiteral("Agent"));
    m_agent->setAccessibleDescription(QStringLiteral("Shows only events of this agent"));
    m_session = new QLineEdit(bar);
    m_session->setPlaceholderText(QStringLiteral("session"));
    enableClearButton(m_session);
    row->addWidget(m_session, 1);
    m_session->setAccessibleName(QStringLiteral("Session"));
    m_session->setAccessibleDescription(QStringLiteral("Shows only events of this session"));

    m_follow = new QCheckBox(QStringLiteral("Follow"), bar);
    m_follow->setChecked(true);
    m_follow->setToolTip(QStringLiteral("Keep the newest event in view"));
    m_follow->setAccessibleDescription(m_follow->toolTip());
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on) {
            m_table->setSortingEnabled(false);
            m_proxy->sort(-1);
            m_table->scrollToBottom();
        }
    });
    row->addWidget(m_follow);

    m_historyControls = new QWidget(bar);
    auto *h = new QHBoxLayout(m_historyControls);
    h->setContentsMargins(0, 0, 0, 0);
    const QDateTime now = QDateTime::currentDateTime();
    m_from = new QDateTimeEdit(now.addSecs(-3600), m_historyControls);
    m_to = new QDateTimeEdit(now.addSecs(60), m_historyControls);
    for (QDateTimeEdit *e : {m_from, m_to}) {
        e->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
        e->setCalendarPopup(true);
    }
    m_load = new QPushButton(QStringLiteral("Load"), m_historyControls);
    m_older = new QPushButton(QStringLiteral("Older ▸"), m_historyControls);
    m_older->setEnabled(false);
    m_older->setToolTip(QStringLiteral("Next page (keyset on at, id)"));
    m_from->setAccessibleName(QStringLiteral("History from"));
    m_to->setAccessibleName(QStringLiteral("History to"));
    m_load->setAccessibleName(QStringLiteral("Load history"));
    m_load->setAccessibleDescription(
        QStringLiteral("Loads the recovery events between the two times from Postgres"));
    m_older->setAccessibleName(QStringLiteral("Older events"));
    m_older->setAccessibleDescription(QStringLiteral("Loads the next, older page"));
    connect(m_load, &QPushButton::clicked, this, &EventsView::loadHistory);
    connect(m_older, &QPushButton::clicked, this, [this] {
        if (m_actions)
            m_actions->loadOlderHistory();
    });
    h->addWidget(new QLabel(QStringLiteral("from"), m_historyControls));
    h->addWidget(m_from);
    h->addWidget(new QLabel(QStringLiteral("to"), m_historyControls));
    h->addWidget(m_to);
    h->addWidget(m_load);
    h->addWidget(m_older);
    m_historyControls->setVisible(false);
    row->addWidget(m_historyControls);

    connect(m_filter, &QLineEdit::textChanged, this, [this] { applyFilters(); });
    connect(m_agent, &QLineEdit::textChanged, this, [this] { applyFilters(); });
    connect(m_session, &QLineEdit::textChanged, this, [this] { applyFilters(); });
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] { applyFilters(); });
    connect(m_outcome, &QComboBox::currentIndexChanged, this, [this] { applyFilters(); });
    return bar;
}

void EventsView::showLive(const QString &streamKey)
{
    untrusted::setLabel(m_state, QStringLiteral("● live: %1").arg(streamKey));
    m_state->setToolTip(QString());
}

void EventsView::showTailError(const QString &message)
{
    untrusted::setLabel(m_state, QStringLiteral("⚠ tail: %1").arg(message.left(200)));
    untrusted::setToolTip(m_state, message);
}

void EventsView::showDisconnected()
{
    setHistoryAvailable(false);
    m_state->setText(QStringLiteral("not connected"));
}

void EventsView::setHistoryAvailable(bool available)
{
    m_historyAvailable = available && m_actions;
    m_load->setEnabled(m_historyAvailable);
    if (m_historyAvailable)
        refreshDeployments();
}

void EventsView::showHistoryPage(int rows, bool more)
{
    Q_UNUSED(rows)
    m_older->setEnabled(more);
    m_state->setText(QStringLiteral("history: %1 rows loaded%2")
                         .arg(grouped(m_historyModel->rowCount()),
                              more ? QStringLiteral(", older available") : QString()));
    updateCounters();
}

void EventsView::showHistoryRates(const QMap<qint64, RecoveryEventRateBuckets::Counts> &buckets,
                                  qint64 bucketMs)
{
    if (m_mode == Mode::History)
        m_chart->setRates(buckets, bucketMs, m_historyFilter.fromMs, m_historyFilter.toMs);
}

void EventsView::showHistoryError(const QString &message)
{
    untrusted::setLabel(m_state, QStringLiteral("⚠ Postgres: %1").arg(message.left(200)));
    untrusted::setToolTip(m_state, message);
}

void EventsView::setMode(Mode mode)
{
    if (mode == m_mode)
        return;
    m_mode = mode;
    m_modeBox->setCurrentIndex(mode == Mode::Live ? 0 : 1);
    m_historyControls->setVisible(mode == Mode::History);
    m_follow->setVisible(mode == Mode::Live);
    m_proxy->setSourceModel(mode == Mode::Live ? m_live : m_historyModel);
    if (mode == Mode::Live) {
        refreshLiveChart();
        refreshDeployments();
        if (m_follow->isChecked())
            m_table->scrollToBottom();
    } else if (m_historyModel->rowCount() == 0 && m_historyAvailable) {
        loadHistory();
    }
    updateCounters();
}

void EventsView::loadHistory()
{
    EventHistoryFilter f;
    f.fromMs = m_from->dateTime().toMSecsSinceEpoch();
    f.toMs = m_to->dateTime().toMSecsSinceEpoch();
    if (m_kind->currentIndex() > 0)
        f.kind = m_kind->currentText();
    f.agent = m_agent->text().trimmed();
    f.session = m_session->text().trimmed();
    switch (OF(m_outcome->currentData().toInt())) {
    case OF::Recovered:
        f.outcome = QStringLiteral("recovered");
        break;
    case OF::Failed:
        f.outcome = QStringLiteral("failed");
        break;
    case OF::InProgress:
        f.outcome = QStringLiteral("in_progress");
        break;
    default:
        break;
    }
    if (m_mode != Mode::History)
        setMode(Mode::History);
    m_historyFilter = f;
    m_state->setText(QStringLiteral("history: loading…"));
    if (m_actions)
        m_actions->loadHistory(f);
    else
        showHistoryError(QStringLiteral("history needs Postgres"));
    updateCounters();
}

void EventsView::filterSession(const QString &sessionId)
{
    m_session->setText(sessionId);
}

void EventsView::applyFilters()
{
    // A filter change resets the proxy (its cost is one pass over the buffer, not one
    // per insert): keep the operator's current row, and the tail in view if followed.
    const QPersistentModelIndex current(m_proxy->mapToSource(m_table->currentIndex()));
    m_proxy->setText(m_filter->text());
    m_proxy->setAgent(m_agent->text());
    m_proxy->setSession(m_session->text());
    const QVariant kind = m_kind->currentData();
    m_proxy->setKind(kind.isValid() ? std::optional<RecoveryKind>(RecoveryKind(kind.toInt()))
                                    : std::nullopt);
    m_proxy->setOutcome(OF(m_outcome->currentData().toInt()));
    const QModelIndex again = m_proxy->mapFromSource(current);
    if (again.isValid() && again != m_table->currentIndex()) {
        m_table->selectionModel()->setCurrentIndex(
            again, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        if (!followsTail())
            m_table->scrollTo(again, QAbstractItemView::PositionAtCenter);
    }
    if (followsTail() && !m_table->isSortingEnabled())
        m_table->scrollToBottom();
    updateCounters();
}

bool EventsView::followsTail() const
{
    return m_mode == Mode::Live && m_follow->isChecked();
}

QString EventsView::countersText() const
{
    const RecoveryEventTableModel *model = m_mode == Mode::Live ? m_live : m_historyModel;
    const RecoveryEventCounters &c = model->counters();
    QString text = QStringLiteral("%1 events · ✗ %2 failed · ⚠ %3 unrecoverable · ⊘ %4 bad")
                       .arg(grouped(c.total), grouped(c.byOutcome[size_t(RecoveryOutcome::Failed)]),
                            grouped(c.unrecoverable), grouped(c.bad));
    if (c.gaps > 0)
        text
            += QStringLiteral(" · ⋯ %1 gaps (%2 missing)").arg(grouped(c.gaps), grouped(c.missing));
    text += QStringLiteral(" · showing %1 of %2")
                .arg(grouped(m_proxy->rowCount()), grouped(model->rowCount()));
    if (m_mode == Mode::Live)
        text += QStringLiteral(" (buffer %1)").arg(grouped(m_live->capacity()));
    return text;
}

void EventsView::updateCounters()
{
    m_counters->setText(countersText());
}

void EventsView::refreshLiveChart()
{
    if (m_mode != Mode::Live)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 to = RecoveryEventRateBuckets::minuteOf(now) + 60000;
    // Rebuilt every other second even when nothing arrived: the time axis moves on.
    // The window grows with the data up to chartMinutes (at least ten minutes), so a
    // console opened a minute ago does not draw one sliver at the right edge.
    qint64 from = to - qint64(m_options.chartMinutes) * 60000;
    const QMap<qint64, RecoveryEventRateBuckets::Counts> &minutes = m_liveRates->minutes();
    if (!minutes.isEmpty())
        from = qMax(from, qMin(minutes.firstKey() - 60000, to - 600000));
    m_chart->setRates(minutes, 60000, from, to);
}

void EventsView::refreshDeployments()
{
    if (!m_historyAvailable || m_mode != Mode::Live)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_actions->loadDeployments(now - qint64(m_options.chartMinutes + 1) * 60000, now + 60000);
}

void EventsView::onRowsAboutToBeRemoved(int first, int last)
{
    // Eviction at the top while the operator reads further down: keep the same rows in
    // view instead of letting the content slide under the cursor.
    m_keepScroll = -1;
    if (followsTail() || m_table->isSortingEnabled())
        return;
    const int top = m_table->verticalScrollBar()->value();
    if (last < top) {
        m_keepScroll = top;
        m_removedAbove = last - first + 1;
    }
}

void EventsView::onRowsRemoved()
{
    if (m_keepScroll >= 0)
        m_table->verticalScrollBar()->setValue(qMax(0, m_keepScroll - m_removedAbove));
    m_keepScroll = -1;
}

void EventsView::onRowsInserted()
{
    if (followsTail() && !m_table->isSortingEnabled())
        m_table->scrollToBottom();
}

QString EventsView::sessionAt(const QModelIndex &proxyIndex) const
{
    return proxyIndex.siblingAtColumn(RecoveryEventTableModel::Session)
        .data(RecoveryEventTableModel::SessionRole)
        .toString();
}

void EventsView::addRowActions(QMenu *menu, const QModelIndex &index)
{
    if (!index.isValid())
        return;
    const QString session = sessionAt(index);
    const QString agent = index.data(RecoveryEventTableModel::AgentRole).toString();
    // Menu texts: plain, but '&' marks a shortcut.
    const auto shown = [](const QString &s) {
        return untrusted::line(s, 80).replace(QLatin1Char('&'), QStringLiteral("&&"));
    };
    QAction *trace = menu->addAction(QStringLiteral("Open trace of %1").arg(shown(session)));
    trace->setEnabled(!session.isEmpty());
    connect(trace, &QAction::triggered, this,
            [this, session] { emit openTraceRequested(session); });
    connect(menu->addAction(QStringLiteral("Only this session")), &QAction::triggered, this,
            [this, session] { m_session->setText(session); });
    connect(menu->addAction(QStringLiteral("Only agent %1").arg(shown(agent))), &QAction::triggered,
            this, [this, agent] { m_agent->setText(agent); });
    connect(menu->addAction(QStringLiteral("Copy session id")), &QAction::triggered, this,
            [session] { QApplication::clipboard()->setText(session); });
}

} // namespace switchboard
