#pragma once
// One queued Postgres job with its type erased, shared by the pool (GUI thread) and the
// worker that runs it. Internal to core/pg: callers use PgPool::submit.
#include "core/pg/PgTypes.h"

#include <QObject>
#include <QPointer>

#include <atomic>
#include <functional>
#include <memory>

namespace pqxx {
class transaction_base;
}

namespace switchboard {

struct PgTask
{
    quint64 id = 0;
    PgJobSpec spec;
    QPointer<QObject> context; // touched on the pool's thread only
    const QObject *contextKey = nullptr; // identity, still usable while context is destroyed
    std::function<void(pqxx::transaction_base &)> run; // worker thread; stores the value
    std::function<void(const PgStatus &)> deliver; // context's thread
    std::atomic<bool> cancelRequested {false};
};

using PgTaskPtr = std::shared_ptr<PgTask>;

} // namespace switchboard
