#pragma once
// Finds sessions for a post-mortem in agentops.sessions: filters as the trace view
// offers them, newest first, paged by keyset on (started_at, session_id) — never OFFSET.
// Read-only, on a PgPool worker (replica when configured); a new search supersedes the
// one still running.
#include "core/contract/SessionSummary.h"
#include "core/pg/JobTracker.h"

#include <QVector>

#include <functional>
#include <optional>

namespace pqxx {
class transaction_base;
}

namespace switchboard {

struct TraceQuery
{
    QString sessionId; // exact id, or a prefix ending in '*'
    QString agent;
    std::optional<qint64> fromMs; // started_at >= from
    std::optional<qint64> toMs; // started_at < to
    std::optional<SessionOutcome> outcome;
    bool onlyWithRecovery = false;
    std::optional<double> minFillPct; // max_fill_pct >= this
    std::optional<int> promptVersion;
    int pageSize = 200;
};

// Where the next page starts: the last row of the previous one.
struct TraceCursor
{
    QString startedAt; // started_at as the server printed it (exact, µs)
    QString sessionId;
    bool isNull() const { return sessionId.isEmpty(); }
};

struct TracePage
{
    QVector<SessionSummary> rows;
    QStringList badRows; // rows the parser refused, with its message
    TraceCursor next; // null when this was the last page
};

class TraceSearch
{
public:
    using Callback = std::function<void(const PgStatus &status, const TracePage &page)>;

    TraceSearch(PgPool *pool, QObject *context);
    // after: null for the first page.
    void search(const TraceQuery &query, const TraceCursor &after, Callback done);
    void cancel() { m_tracker.cancel(); }

    // Worker side; throws what pqxx throws.
    static TracePage fetch(pqxx::transaction_base &tx, const TraceQuery &query,
                           const TraceCursor &after);

private:
    JobTracker m_tracker;
};

} // namespace switchboard
