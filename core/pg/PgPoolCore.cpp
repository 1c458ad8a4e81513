#include "core/pg/PgPoolCore.h"

#include "core/pg/PgPool.h"

namespace switchboard {

PgTaskPtr PgPoolCore::takeTask(PgWorker *worker)
{
    std::unique_lock<std::mutex> lock(mutex);
    wake.wait(lock, [this] { return stopping || !queue.empty(); });
    if (stopping)
        return {};
    PgTaskPtr task = queue.front();
    queue.pop_front();
    running.insert(task->id, {task, worker});
    return task;
}

void PgPoolCore::taskFinished(const PgTaskPtr &task, const PgStatus &status)
{
    const std::lock_guard<std::mutex> lock(mutex);
    running.remove(task->id);
    if (!owner)
        return; // the pool is gone: nobody is waiting for this result
    // Posted while holding the mutex: the pool clears owner under the same mutex before
    // it is destroyed, and QObject's destructor discards events still posted to it.
    // Queued even from the pool's own thread, so a callback never runs inside cancel().
    PgPool *pool = owner;
    QMetaObject::invokeMethod(
        pool, [pool, task, status] { pool->complete(task, status); }, Qt::QueuedConnection);
}

void PgPoolCore::reportState(const PgConnectionState &state)
{
    const std::lock_guard<std::mutex> lock(mutex);
    if (!owner)
        return;
    PgPool *pool = owner;
    QMetaObject::invokeMethod(
        pool, [pool, state] { pool->setState(state); }, Qt::QueuedConnection);
}

} // namespace switchboard
