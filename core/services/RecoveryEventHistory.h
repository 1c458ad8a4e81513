#pragma once
// History mode of the events view: agentops.recovery_events for a chosen time range,
// newest first, a keyset page at a time into a RecoveryEventSink (the table model), plus the
// per-bucket rates and prompt deployments of the range for the chart. Every read runs on
// a PgPool worker in a read-only transaction; a newer request supersedes an older one
// (JobTracker), so a slow old page can never land in a new range.
#include "core/services/EventHistoryQuery.h"
#include "core/types/RecoveryEventRateBuckets.h"
#include "core/types/RecoveryEventSink.h"

#include <QMap>
#include <QObject>
#include <QPointer>

#include <memory>

namespace switchboard {

class JobTracker;
class PgPool;

class RecoveryEventHistory : public QObject
{
    Q_OBJECT
public:
    RecoveryEventHistory(RecoveryEventSink *sink, QObject *parent = nullptr);
    ~RecoveryEventHistory() override;

    void setPool(PgPool *pool); // nullptr: no Postgres (requests fail with a message)
    void setPageSize(int rows) { m_pageSize = qBound(10, rows, 5000); }

    // Clears the sink and loads the first (newest) page, the rates and the deployments.
    void load(const EventHistoryFilter &filter);
    void loadOlder(); // the next page after the last one loaded
    bool hasMore() const { return !m_next.isNull(); }
    bool isLoading() const { return m_loading; }
    const EventHistoryFilter &filter() const { return m_filter; }

    // Only the deployments (the live chart's markers).
    void loadDeployments(qint64 fromMs, qint64 toMs);

    // Bucket width for a range: one minute up to ~10 h, wider beyond (≤ 600 buckets).
    static qint64 bucketMsFor(qint64 rangeMs);

Q_SIGNALS:
    void pageLoaded(int rows, bool more);
    void ratesLoaded(const QMap<qint64, switchboard::RecoveryEventRateBuckets::Counts> &buckets,
                     qint64 bucketMs);
    void deploymentsLoaded(const QVector<switchboard::DeploymentMarker> &markers);
    void failed(const QString &message);

private:
    void fetchPage();

    RecoveryEventSink *m_sink;
    QPointer<PgPool> m_pool; // the backend may go away first (password retry)
    std::unique_ptr<JobTracker> m_pages, m_rates, m_deployments;
    EventHistoryFilter m_filter;
    EventHistoryCursor m_next;
    int m_pageSize = 500;
    bool m_loading = false;
};

} // namespace switchboard
