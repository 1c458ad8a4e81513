#include "app/EventsFeature.h"

#include "app/MainWindow.h"
#include "core/contract/Keys.h"
#include "core/services/PostgresBackend.h"
#include "core/services/RecoveryEventHistory.h"
#include "core/services/RecoveryEventTail.h"
#include "core/types/RecoveryEventRateBuckets.h"
#include "models/RecoveryEventTableModel.h"
#include "widgets/EventRateChart.h"
#include "widgets/EventsView.h"

namespace switchboard {

EventsFeature::EventsFeature(const ConnectionProfile &profile, MainWindow *window,
                             const EventsView::Options &options, QObject *parent)
    : QObject(parent)
    , m_streamKey(Keys(profile.keyNamespace.toUtf8()).recoveryEvents())
    , m_options(options)
    , m_ownsView(window == nullptr)
    , m_liveRates(std::make_shared<RecoveryEventRateBuckets>(options.chartMinutes))
{
    EventsView::Models models;
    models.live = new RecoveryEventTableModel(options.capacity);
    models.history = new RecoveryEventTableModel(1'000'000);
    models.liveRates = m_liveRates;
    m_live = models.live;
    m_history = std::make_unique<RecoveryEventHistory>(models.history);
    m_history->setPageSize(options.historyPageSize);
    m_view = new EventsView(models, this, options);
    m_view->setObjectName(QStringLiteral("eventsView"));
    connect(m_history.get(), &RecoveryEventHistory::pageLoaded, m_view,
            &EventsView::showHistoryPage);
    connect(m_history.get(), &RecoveryEventHistory::ratesLoaded, m_view,
            &EventsView::showHistoryRates);
    connect(m_history.get(), &RecoveryEventHistory::deploymentsLoaded, m_view->chart(),
            &EventRateChart::setDeployments);
    connect(m_history.get(), &RecoveryEventHistory::failed, m_view, &EventsView::showHistoryError);
    // The services write into the view's models: they stop before those go.
    connect(m_view, &QObject::destroyed, this, [this] {
        m_tail.reset();
        m_history.reset();
    });
    if (window)
        window->setViewWidget(MainWindow::Events, m_view);
}

EventsFeature::~EventsFeature()
{
    m_tail.reset();
    m_history.reset();
    if (!m_view)
        return;
    m_view->setActions(nullptr);
    // A window keeps the tab until the next profile's view replaces it (main.cpp does that
    // without returning to the event loop), then this one goes.
    if (m_ownsView)
        delete m_view;
    else
        m_view->deleteLater();
}

void EventsFeature::setRedis(const RedisConnectionOptions &options)
{
    m_tail.reset();
    if (!m_view)
        return;
    m_tail = std::make_unique<RecoveryEventTail>(options, m_streamKey, m_live.data());
    m_tail->setRateSink(
        [rates = m_liveRates](const RecoveryEventRateBuckets &batch) { rates->merge(batch); });
    connect(m_tail.get(), &RecoveryEventTail::readError, m_view, &EventsView::showTailError);
    m_tail->setBackfill(m_options.backfill);
    m_tail->start();
    m_view->showLive(QString::fromUtf8(m_streamKey));
}

void EventsFeature::setPostgres(PostgresBackend *backend)
{
    // The pool is there at once, but only a usable schema makes its tables readable.
    connect(backend, &PostgresBackend::statusChanged, this,
            [this, backend] { setPool(backend->schemaUsable() ? backend->pool() : nullptr); });
    connect(backend, &QObject::destroyed, this, [this] { setPool(nullptr); });
}

void EventsFeature::setPool(PgPool *pool)
{
    if (!m_history || !m_view)
        return;
    m_history->setPool(pool);
    m_view->setHistoryAvailable(pool != nullptr);
}

void EventsFeature::detach()
{
    m_tail.reset();
    setPool(nullptr);
    if (m_view)
        m_view->showDisconnected();
}

void EventsFeature::loadHistory(const EventHistoryFilter &filter)
{
    if (m_history)
        m_history->load(filter);
}

void EventsFeature::loadOlderHistory()
{
    if (m_history)
        m_history->loadOlder();
}

void EventsFeature::loadDeployments(qint64 fromMs, qint64 toMs)
{
    if (m_history)
        m_history->loadDeployments(fromMs, toMs);
}

} // namespace switchboard
