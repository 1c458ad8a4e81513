#pragma once
// Finds sessions for a post-mortem in agentops.sessions: filters as the trace view
// offers them, newest first, paged by keyset on (started_at, session_id) — never OFFSET.
// Read-only, on a PgPool worker (replica when configured); a new search supersedes the
// one still running.
#include "core/pg/JobTracker.h"
#include "core/types/TraceQuery.h"

#include <functional>

namespace pqxx {
class transaction_base;
}

namespace switchboard {

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
