#include "core/pg/PgWorker.h"

#include "core/pg/PgErrors.h"
#include "core/pg/PgPoolCore.h"

#include <QElapsedTimer>

#include <pqxx/pqxx>

namespace switchboard {

PgWorker::PgWorker(std::shared_ptr<PgPoolCore> pool, PgConfig config)
    : m_pool(pool)
    , m_config(std::move(config))
{ }

PgWorker::~PgWorker()
{
    wait();
}

void PgWorker::run()
{
    while (const PgTaskPtr task = m_pool->takeTask(this)) {
        QElapsedTimer timer;
        timer.start();
        PgStatus status = execute(*task);
        status.elapsedMs = timer.elapsed();
        m_pool->taskFinished(task, status);
    }
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_primary.reset();
    m_replica.reset();
}

void PgWorker::cancelIfRunning(quint64 jobId)
{
    // Holding the mutex keeps the connection alive and stops the worker from moving on
    // to its next job, so the cancel cannot hit a query it was not meant for.
    const std::lock_guard<std::mutex> lock(m_mutex);
    if (m_current != jobId || !m_active)
        return;
    try {
        m_active->cancel_query();
    } catch (const std::exception &) {
        // The query may have just finished; nothing left to cancel.
    }
}

pqxx::connection &PgWorker::connectionFor(PgTarget target, bool *reused)
{
    const bool replica = target == PgTarget::Replica && m_config.hasReplica();
    std::unique_ptr<pqxx::connection> &slot = replica ? m_replica : m_primary;
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        if (slot && slot->is_open()) {
            *reused = true;
            return *slot;
        }
    }
    *reused = false;
    QString error;
    const std::string conninfo = m_config.connectionString(target, &error);
    if (conninfo.empty())
        throw pqxx::broken_connection(error.toStdString());
    m_pool->reportState({PgConnectionState::Connecting, {}});
    auto fresh = std::make_unique<pqxx::connection>(conninfo); // throws broken_connection
    m_pool->reportState({PgConnectionState::Ready, {}});
    const std::lock_guard<std::mutex> lock(m_mutex);
    slot = std::move(fresh);
    (replica ? m_replicaTimeoutMs : m_primaryTimeoutMs) = -1;
    return *slot;
}

void PgWorker::dropConnection(PgTarget target)
{
    const bool replica = target == PgTarget::Replica && m_config.hasReplica();
    const std::lock_guard<std::mutex> lock(m_mutex);
    (replica ? m_replica : m_primary).reset();
    (replica ? m_replicaTimeoutMs : m_primaryTimeoutMs) = -1;
}

void PgWorker::applyTimeout(pqxx::connection &connection, PgTarget target, int timeoutMs)
{
    const bool replica = target == PgTarget::Replica && m_config.hasReplica();
    int &current = replica ? m_replicaTimeoutMs : m_primaryTimeoutMs;
    if (current == timeoutMs)
        return;
    current = -1; // unknown until the SET went through
    pqxx::nontransaction session(connection);
    session.exec("SET statement_timeout = " + std::to_string(timeoutMs));
    session.commit();
    current = timeoutMs;
}

PgStatus PgWorker::execute(PgTask &task)
{
    // A connection that sat idle may have been closed by a server restart or a
    // failover; a read is safe to try once more on a fresh connection.
    bool retryable = false;
    PgStatus status = runOnce(task, &retryable);
    if (status.code == PgStatus::ConnectionFailed && retryable && task.spec.readOnly
        && !task.cancelRequested)
        status = runOnce(task, &retryable);
    return status;
}

PgStatus PgWorker::runOnce(PgTask &task, bool *retryable)
{
    // Writes always go to the primary.
    const PgTarget target = task.spec.readOnly ? task.spec.target : PgTarget::Primary;
    const int timeoutMs
        = task.spec.timeoutMs > 0 ? task.spec.timeoutMs : m_config.statementTimeoutMs;
    const QString where = m_config.describe(target);
    *retryable = false;
    try {
        bool reused = false;
        pqxx::connection &connection = connectionFor(target, &reused);
        *retryable = reused;
        {
            const std::lock_guard<std::mutex> lock(m_mutex);
            m_current = task.id;
            m_active = &connection;
        }
        const auto finished = [this] {
            const std::lock_guard<std::mutex> lock(m_mutex);
            m_current = 0;
            m_active = nullptr;
        };
        try {
            if (task.cancelRequested)
                throw std::runtime_error("cancelled before it started");
            applyTimeout(connection, target, timeoutMs);
            std::unique_ptr<pqxx::transaction_base> tx;
            if (task.spec.readOnly)
                tx = std::make_unique<pqxx::read_transaction>(connection);
            else
                tx = std::make_unique<pqxx::work>(connection);
            task.run(*tx);
            tx->commit();
        } catch (...) {
            finished();
            throw;
        }
        finished();
        return {};
    } catch (const pqxx::broken_connection &e) {
        dropConnection(target);
        PgStatus status = PgErrors::fromException(e, where, timeoutMs, task.cancelRequested);
        if (!*retryable)
            m_pool->reportState({PgConnectionState::Failed, status.message});
        return status;
    } catch (const std::exception &e) {
        return PgErrors::fromException(e, where, timeoutMs, task.cancelRequested);
    } catch (...) {
        PgStatus status;
        status.code = PgStatus::QueryFailed;
        status.message
            = QStringLiteral("query failed on Postgres %1: unknown exception").arg(where);
        return status;
    }
}

} // namespace switchboard
