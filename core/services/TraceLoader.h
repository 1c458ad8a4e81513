#pragma once
// Loads one session's trace for the inspector: only the columns the tree shows, ordered
// by path so the tree is built in one pass, subtree totals computed once — all on a
// PgPool worker (replica when configured, read-only). The GUI gets an immutable
// snapshot. A newer load supersedes an older one (JobTracker).
#include "core/pg/JobTracker.h"
#include "core/services/TraceSnapshot.h"

#include <functional>

namespace pqxx {
class transaction_base;
}

namespace switchboard {

class TraceLoader
{
public:
    using Callback = std::function<void(const PgStatus &status, const TraceSnapshotPtr &trace)>;

    TraceLoader(PgPool *pool, QObject *context);
    void load(const QString &sessionId, Callback done);
    void cancel() { m_tracker.cancel(); }

    // The tree query, with $1 = session id (the benchmark runs the same text in psql).
    static QString treeSql();
    // Worker side: query + build. Throws what pqxx throws.
    static TraceSnapshotPtr fetch(pqxx::transaction_base &tx, const QString &sessionId);
    // Links parents and children and computes the subtree totals, bottom-up, once.
    // Nodes must be in tree order; a span whose parent is not (yet) known becomes a root
    // marked as an orphan.
    static void build(TraceSnapshot &trace);

private:
    JobTracker m_tracker;
};

} // namespace switchboard
