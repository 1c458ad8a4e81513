#pragma once
// The part of a PgPool its worker threads share: the job queue, the running jobs, and a
// pointer back to the pool that is cleared when the pool goes. Held by shared_ptr so a
// worker the pool had to abandon at shutdown (its query stuck on a server that does not
// answer) still finds valid memory when it wakes up, and then quietly drops its result.
// Internal to core/pg.
#include "core/pg/PgTask.h"

#include <QHash>

#include <condition_variable>
#include <deque>
#include <mutex>

namespace switchboard {

class PgPool;
class PgWorker;

class PgPoolCore
{
public:
    // Worker side (any thread).
    PgTaskPtr takeTask(PgWorker *worker); // blocks; null when the pool shuts down
    void taskFinished(const PgTaskPtr &task, const PgStatus &status);
    void reportState(const PgConnectionState &state);

    std::mutex mutex; // guards everything below
    std::condition_variable wake;
    std::deque<PgTaskPtr> queue;
    QHash<quint64, std::pair<PgTaskPtr, PgWorker *>> running;
    bool stopping = false;
    PgPool *owner = nullptr; // cleared (under mutex) when the pool is destroyed
};

} // namespace switchboard
