#include "core/pg/PgPool.h"

#include "core/pg/PgWorker.h"

#include <QThread>

namespace switchboard {

namespace {
PgStatus cancelledStatus()
{
    PgStatus status;
    status.code = PgStatus::Cancelled;
    status.message = QStringLiteral("query cancelled");
    return status;
}
} // namespace

PgPool::PgPool(PgConfig config, int workerCount, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    qRegisterMetaType<switchboard::PgConnectionState>();
    m_cancellers.setMaxThreadCount(2);
    m_cancellers.setExpiryTimeout(5000);
    for (int i = 0; i < qMax(1, workerCount); ++i) {
        m_workers.push_back(std::make_unique<PgWorker>(this, m_config));
        m_workers.back()->setObjectName(QStringLiteral("pg-worker-%1").arg(i));
        m_workers.back()->start();
    }
}

PgPool::~PgPool()
{
    QList<std::pair<PgTaskPtr, PgWorker *>> running;
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
        m_queue.clear();
        running = m_running.values();
        for (auto &entry : running)
            entry.first->cancelRequested = true;
    }
    m_wake.notify_all();
    // Shutting down: a query left running would hold the app open for its full
    // statement_timeout, so cancel what runs (this blocks briefly, at exit only).
    for (auto &entry : running)
        entry.second->cancelIfRunning(entry.first->id);
    m_cancellers.waitForDone();
    m_workers.clear(); // each joins its thread
}

quint64 PgPool::enqueue(PgTaskPtr task, QObject *context)
{
    Q_ASSERT(QThread::currentThread() == thread());
    task->id = ++m_nextId;
    task->context = context ? context : this;
    task->contextKey = task->context.data();
    watch(task->context.data());
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_queue.push_back(task);
    }
    m_wake.notify_one();
    return task->id;
}

void PgPool::watch(QObject *context)
{
    if (context == this || m_watched.contains(context))
        return;
    // Direct: destroyed() runs in the context's thread; we only touch the queue, which
    // is locked, and m_watched, which callers must keep on this thread (contexts live
    // on the GUI thread in practice).
    m_watched.insert(context,
                     connect(
                         context, &QObject::destroyed, this,
                         [this, context] {
                             m_watched.remove(context);
                             cancelAll(context);
                         },
                         Qt::DirectConnection));
}

void PgPool::cancel(quint64 jobId)
{
    PgTaskPtr queued;
    PgTaskPtr running;
    PgWorker *worker = nullptr;
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        for (auto it = m_queue.begin(); it != m_queue.end(); ++it) {
            if ((*it)->id == jobId) {
                queued = *it;
                m_queue.erase(it);
                break;
            }
        }
        if (!queued) {
            const auto it = m_running.constFind(jobId);
            if (it != m_running.constEnd()) {
                running = it->first;
                worker = it->second;
                running->cancelRequested = true;
            }
        }
    }
    if (queued) {
        queued->cancelRequested = true;
        taskFinished(queued, cancelledStatus()); // delivered later, never re-entrantly
    } else if (running) {
        m_cancellers.start([worker, jobId] { worker->cancelIfRunning(jobId); });
    }
}

void PgPool::cancelAll(const QObject *context)
{
    QList<quint64> ids;
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        for (const PgTaskPtr &task : m_queue) {
            if (task->contextKey == context)
                ids << task->id;
        }
        for (const auto &entry : std::as_const(m_running)) {
            if (entry.first->contextKey == context)
                ids << entry.first->id;
        }
    }
    for (quint64 id : std::as_const(ids))
        cancel(id);
}

int PgPool::queuedJobs() const
{
    const std::lock_guard<std::mutex> lock(m_mutex);
    return int(m_queue.size());
}

int PgPool::runningJobs() const
{
    const std::lock_guard<std::mutex> lock(m_mutex);
    return int(m_running.size());
}

PgTaskPtr PgPool::takeTask(PgWorker *worker)
{
    std::unique_lock<std::mutex> lock(m_mutex);
    m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
    if (m_stopping)
        return {};
    PgTaskPtr task = m_queue.front();
    m_queue.pop_front();
    m_running.insert(task->id, {task, worker});
    return task;
}

void PgPool::taskFinished(const PgTaskPtr &task, const PgStatus &status)
{
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_running.remove(task->id);
    }
    // Queued even from the pool's own thread, so a callback never runs inside cancel().
    QMetaObject::invokeMethod(
        this, [this, task, status] { complete(task, status); }, Qt::QueuedConnection);
}

void PgPool::complete(const PgTaskPtr &task, const PgStatus &status)
{
    QObject *context = task->context.data();
    if (!context)
        return; // its owner is gone: the result is dropped
    // A cancel that raced with the end of the query still reads as cancelled.
    const PgStatus finalStatus = task->cancelRequested && status.ok() ? cancelledStatus() : status;
    if (context->thread() == thread()) {
        task->deliver(finalStatus);
    } else {
        QMetaObject::invokeMethod(
            context, [task, finalStatus] { task->deliver(finalStatus); }, Qt::QueuedConnection);
    }
}

void PgPool::reportState(const PgConnectionState &state)
{
    QMetaObject::invokeMethod(
        this, [this, state] { setState(state); }, Qt::QueuedConnection);
}

void PgPool::setState(const PgConnectionState &state)
{
    if (state == m_state)
        return;
    m_state = state;
    emit stateChanged(m_state);
}

} // namespace switchboard
