#include "core/services/RecoveryEventHistory.h"

#include "core/pg/JobTracker.h"

#include <pqxx/pqxx>

namespace switchboard {

RecoveryEventHistory::RecoveryEventHistory(RecoveryEventSink *sink, QObject *parent)
    : QObject(parent)
    , m_sink(sink)
{ }

RecoveryEventHistory::~RecoveryEventHistory() = default;

void RecoveryEventHistory::setPool(PgPool *pool)
{
    m_pages.reset();
    m_rates.reset();
    m_deployments.reset();
    m_pool = pool;
    m_loading = false;
    if (!pool)
        return;
    m_pages = std::make_unique<JobTracker>(pool, this);
    m_rates = std::make_unique<JobTracker>(pool, this);
    m_deployments = std::make_unique<JobTracker>(pool, this);
}

qint64 RecoveryEventHistory::bucketMsFor(qint64 rangeMs)
{
    const qint64 minute = 60000;
    const qint64 buckets = 600;
    return qMax<qint64>(1, (rangeMs + minute * buckets - 1) / (minute * buckets)) * minute;
}

void RecoveryEventHistory::load(const EventHistoryFilter &filter)
{
    m_filter = filter;
    m_next = EventHistoryCursor();
    m_sink->clearRows();
    if (!m_pool) {
        emit failed(QStringLiteral("history needs Postgres"));
        return;
    }
    fetchPage();
    const qint64 bucketMs = bucketMsFor(filter.toMs - filter.fromMs);
    PgJobSpec spec;
    spec.target = PgTarget::Replica;
    spec.label = QStringLiteral("event rates");
    m_rates->start(
        spec,
        [filter, bucketMs](pqxx::transaction_base &tx) {
            return eventhistory::fetchRates(tx, filter, bucketMs);
        },
        [this, bucketMs](PgResult<QMap<qint64, RecoveryEventRateBuckets::Counts>> r) {
            if (r.ok())
                emit ratesLoaded(r.value, bucketMs);
            else if (r.status.code != PgStatus::Cancelled)
                emit failed(r.status.message);
        });
    loadDeployments(filter.fromMs, filter.toMs);
}

void RecoveryEventHistory::loadOlder()
{
    if (!m_pool || m_next.isNull() || m_loading)
        return;
    fetchPage();
}

void RecoveryEventHistory::fetchPage()
{
    m_loading = true;
    const EventHistoryFilter filter = m_filter;
    const EventHistoryCursor after = m_next;
    const int limit = m_pageSize;
    PgJobSpec spec;
    spec.target = PgTarget::Replica;
    spec.label = QStringLiteral("event history");
    m_pages->start(
        spec,
        [filter, after, limit](pqxx::transaction_base &tx) {
            return eventhistory::fetchPage(tx, filter, after, limit);
        },
        [this](PgResult<EventHistoryPage> r) {
            m_loading = false;
            if (!r.ok()) {
                if (r.status.code != PgStatus::Cancelled)
                    emit failed(r.status.message);
                return;
            }
            m_next = r.value.next;
            const int rows = int(r.value.rows.size());
            m_sink->applyPage(std::move(r.value.rows));
            emit pageLoaded(rows, hasMore());
        });
}

void RecoveryEventHistory::loadDeployments(qint64 fromMs, qint64 toMs)
{
    if (!m_pool)
        return;
    PgJobSpec spec;
    spec.target = PgTarget::Replica;
    spec.label = QStringLiteral("prompt deployments");
    m_deployments->start(
        spec,
        [fromMs, toMs](pqxx::transaction_base &tx) {
            return eventhistory::fetchDeployments(tx, fromMs, toMs);
        },
        [this](PgResult<QVector<DeploymentMarker>> r) {
            if (r.ok())
                emit deploymentsLoaded(r.value);
            else if (r.status.code != PgStatus::Cancelled)
                emit failed(r.status.message);
        });
}

} // namespace switchboard
