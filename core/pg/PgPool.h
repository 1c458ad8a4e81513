#pragma once
// Postgres off the GUI thread: a few worker threads, each with its own connection, run
// jobs from one queue. A job's code gets a transaction (READ ONLY for reads, always with
// SET LOCAL statement_timeout) and returns a plain value; the value and a PgStatus come
// back to the context object's thread by a queued call. cancel() stops a queued job and
// cancels a running query on the server; a destroyed context cancels its jobs and gets
// no callback.
//
//   pool->submit(PgJobSpec{}, this,
//       [](pqxx::transaction_base &tx) { return tx.exec1("select 1")[0].as<int>(); },
//       [this](PgResult<int> r) { ... });
#include "core/pg/PgConfig.h"
#include "core/pg/PgTask.h"

#include <QHash>
#include <QObject>

#include <memory>
#include <type_traits>
#include <vector>

class QThreadPool;

namespace switchboard {

class PgPoolCore;
class PgWorker;

class PgPool : public QObject
{
    Q_OBJECT

public:
    explicit PgPool(PgConfig config, int workerCount = 2, QObject *parent = nullptr);
    // Returns within about shutdownGraceMs even when the server hangs: running queries
    // are cancelled, and workers still blocked after the grace are abandoned (see
    // ThreadGraveyard) rather than waited for.
    ~PgPool() override;

    static constexpr int shutdownGraceMs = 1000;

    const PgConfig &config() const { return m_config; }
    PgConnectionState state() const { return m_state; }

    // work: T(pqxx::transaction_base &), runs on a worker thread.
    // onResult: void(PgResult<T>), runs on context's thread unless context is gone.
    // Returns the job id for cancel().
    template<typename Work, typename Callback>
    quint64 submit(const PgJobSpec &spec, QObject *context, Work work, Callback onResult);

    // Removes a queued job or cancels a running query; the callback gets Cancelled.
    // Returns at once: the server-side cancel is sent from a helper thread.
    void cancel(quint64 jobId);
    void cancelAll(const QObject *context);

    int queuedJobs() const;
    int runningJobs() const;

signals:
    void stateChanged(const switchboard::PgConnectionState &state);

private:
    friend class PgPoolCore;

    quint64 enqueue(PgTaskPtr task, QObject *context);
    void watch(QObject *context);
    // Pool thread.
    void complete(const PgTaskPtr &task, const PgStatus &status);
    void setState(const PgConnectionState &state);
    void warnAbandoned(int blockedWorkers, bool cancelBlocked) const;

    const PgConfig m_config;
    const std::shared_ptr<PgPoolCore> m_core; // shared with the workers
    std::vector<PgWorker *> m_workers; // owned; abandoned ones are parked, not deleted
    // PQcancel blocks on the network, with no timeout in libpq 15: never on the GUI
    // thread, and never waited for without a deadline.
    QThreadPool *m_cancellers;

    quint64 m_nextId = 0; // pool thread
    QHash<const QObject *, QMetaObject::Connection> m_watched; // pool thread
    PgConnectionState m_state; // pool thread
};

template<typename Work, typename Callback>
quint64 PgPool::submit(const PgJobSpec &spec, QObject *context, Work work, Callback onResult)
{
    using T = std::decay_t<std::invoke_result_t<Work &, pqxx::transaction_base &>>;
    auto value = std::make_shared<T>();
    auto task = std::make_shared<PgTask>();
    task->spec = spec;
    task->run = [work = std::move(work), value](pqxx::transaction_base &tx) mutable {
        *value = work(tx);
    };
    task->deliver = [value, onResult = std::move(onResult)](const PgStatus &status) mutable {
        PgResult<T> result;
        result.status = status;
        if (status.ok())
            result.value = std::move(*value);
        onResult(std::move(result));
    };
    return enqueue(std::move(task), context);
}

} // namespace switchboard
