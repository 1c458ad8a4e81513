#include "core/pg/PgPool.h"

#include "core/pg/PgPoolCore.h"
#include "core/pg/PgWorker.h"
#include "core/pg/ThreadGraveyard.h"

#include <QThread>
#include <QThreadPool>

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
    , m_core(std::make_shared<PgPoolCore>())
    , m_cancellers(new QThreadPool)
{
    qRegisterMetaType<switchboard::PgConnectionState>();
    m_core->owner = this;
    m_cancellers->setMaxThreadCount(2);
    m_cancellers->setExpiryTimeout(5000);
    for (int i = 0; i < qMax(1, workerCount); ++i) {
        m_workers.push_back(new PgWorker(m_core, m_config));
        m_workers.back()->setObjectName(QStringLiteral("pg-worker-%1").arg(i));
        m_workers.back()->start();
    }
}

PgPool::~PgPool()
{
    QList<std::pair<PgTaskPtr, PgWorker *>> running;
    {
        const std::lock_guard<std::mutex> lock(m_core->mutex);
        m_core->stopping = true;
        m_core->owner = nullptr; // from now on nothing is delivered to this pool
        m_core->queue.clear();
        running = m_core->running.values();
        for (auto &entry : running)
            entry.first->cancelRequested = true;
    }
    m_core->wake.notify_all();
    // A query left running would hold its worker for its full statement_timeout, so
    // cancel what runs; from the cancel threads, because PQcancel waits for a server
    // that may never answer.
    for (auto &entry : running) {
        PgWorker *worker = entry.second;
        const quint64 id = entry.first->id;
        m_cancellers->start([worker, id] { worker->cancelIfRunning(id); });
    }
    const QDeadlineTimer deadline(shutdownGraceMs);
    // Cancel tasks point at workers: while one may still run, no worker is deleted.
    const bool cancelsDone
        = m_cancellers->waitForDone(int(qMax<qint64>(0, deadline.remainingTime())));
    if (!cancelsDone) {
        // A cancel still waits on a frozen server and points at its worker: everything
        // goes to the graveyard together, to be deleted when all of it has ended.
        int stuck = 0;
        std::vector<QThread *> threads;
        for (PgWorker *worker : m_workers) {
            stuck += worker->wait(deadline) ? 0 : 1;
            threads.push_back(worker);
        }
        ThreadGraveyard::park(m_cancellers, std::move(threads));
        warnAbandoned(stuck, true);
        return;
    }
    delete m_cancellers;
    int stuck = 0;
    for (PgWorker *worker : m_workers) {
        if (worker->wait(deadline)) {
            delete worker;
        } else {
            ThreadGraveyard::park(worker);
            ++stuck;
        }
    }
    if (stuck)
        warnAbandoned(stuck, false);
}

void PgPool::warnAbandoned(int blockedWorkers, bool cancelBlocked) const
{
    qWarning("switchboard: at shutdown %d Postgres worker(s)%s still blocked on %s; left to "
             "finish on their own",
             blockedWorkers, cancelBlocked ? " and a query cancel" : "",
             qPrintable(m_config.describe(PgTarget::Primary)));
}

quint64 PgPool::enqueue(PgTaskPtr task, QObject *context)
{
    Q_ASSERT(QThread::currentThread() == thread());
    task->id = ++m_nextId;
    task->context = context ? context : this;
    task->contextKey = task->context.data();
    watch(task->context.data());
    {
        const std::lock_guard<std::mutex> lock(m_core->mutex);
        m_core->queue.push_back(task);
    }
    m_core->wake.notify_one();
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
        const std::lock_guard<std::mutex> lock(m_core->mutex);
        for (auto it = m_core->queue.begin(); it != m_core->queue.end(); ++it) {
            if ((*it)->id == jobId) {
                queued = *it;
                m_core->queue.erase(it);
                break;
            }
        }
        if (!queued) {
            const auto it = m_core->running.constFind(jobId);
            if (it != m_core->running.constEnd()) {
                running = it->first;
                worker = it->second;
                running->cancelRequested = true;
            }
        }
    }
    if (queued) {
        queued->cancelRequested = true;
        m_core->taskFinished(queued, cancelledStatus()); // delivered later, never re-entrantly
    } else if (running) {
        m_cancellers->start([worker, jobId] { worker->cancelIfRunning(jobId); });
    }
}

void PgPool::cancelAll(const QObject *context)
{
    QList<quint64> ids;
    {
        const std::lock_guard<std::mutex> lock(m_core->mutex);
        for (const PgTaskPtr &task : m_core->queue) {
            if (task->contextKey == context)
                ids << task->id;
        }
        for (const auto &entry : std::as_const(m_core->running)) {
            if (entry.first->contextKey == context)
                ids << entry.first->id;
        }
    }
    for (quint64 id : std::as_const(ids))
        cancel(id);
}

int PgPool::queuedJobs() const
{
    const std::lock_guard<std::mutex> lock(m_core->mutex);
    return int(m_core->queue.size());
}

int PgPool::runningJobs() const
{
    const std::lock_guard<std::mutex> lock(m_core->mutex);
    return int(m_core->running.size());
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

void PgPool::setState(const PgConnectionState &state)
{
    if (state == m_state)
        return;
    m_state = state;
    emit stateChanged(m_state);
}

} // namespace switchboard
