#pragma once
// One pool thread with its own Postgres connections (primary, and replica when
// configured), opened lazily and reopened after they break. Runs one job at a time in
// a transaction with SET LOCAL statement_timeout.
#include "core/pg/PgConfig.h"
#include "core/pg/PgTask.h"

#include <QThread>

#include <memory>
#include <mutex>
#include <pqxx/connection>

namespace switchboard {

class PgPoolCore;

class PgWorker : public QThread
{
public:
    PgWorker(std::shared_ptr<PgPoolCore> pool, PgConfig config);
    ~PgWorker() override;

    // Asks the server to cancel jobId's query if this worker is running it right now.
    // Blocks on the network (libpq's PQcancel): call it from a helper thread.
    void cancelIfRunning(quint64 jobId);

protected:
    void run() override;

private:
    PgStatus execute(PgTask &task);
    PgStatus runOnce(PgTask &task, bool *retryable);
    pqxx::connection &connectionFor(PgTarget target, bool *reused);
    void dropConnection(PgTarget target);
    // Sets the session's statement_timeout when it is not timeoutMs already: outside the
    // transaction, so a job costs no extra round trip for it (a SET LOCAL in every
    // transaction did cost one).
    void applyTimeout(pqxx::connection &connection, PgTarget target, int timeoutMs);

    const std::shared_ptr<PgPoolCore> m_pool; // outlives the PgPool if this is abandoned
    const PgConfig m_config;
    // Worker thread only: each session's statement_timeout (-1: not known).
    int m_primaryTimeoutMs = -1;
    int m_replicaTimeoutMs = -1;
    std::mutex m_mutex; // guards everything below
    std::unique_ptr<pqxx::connection> m_primary;
    std::unique_ptr<pqxx::connection> m_replica;
    pqxx::connection *m_active = nullptr; // connection running m_current
    quint64 m_current = 0;
};

} // namespace switchboard
