#pragma once
// hotspot's JobTracker, for Postgres: a view owns one tracker per kind of query it
// issues. Starting a job cancels the previous one (on the server too) and numbers the
// new one; a result that arrives for anything but the latest number is dropped without
// a word, so a slow old query can never overwrite a newer answer. The tracker's
// context (the view) going away drops everything as well.
#include "core/pg/PgPool.h"

#include <QPointer>

#include <memory>
#include <utility>

namespace switchboard {

class JobTracker
{
public:
    JobTracker(PgPool *pool, QObject *context)
        : m_pool(pool)
        , m_context(context)
    { }
    ~JobTracker() { cancel(); }
    JobTracker(const JobTracker &) = delete;
    JobTracker &operator=(const JobTracker &) = delete;

    template<typename Work, typename Callback>
    void start(const PgJobSpec &spec, Work work, Callback onResult)
    {
        cancel();
        const quint64 generation = ++*m_generation;
        // Shared so that a result arriving after the tracker is gone compares safely.
        std::shared_ptr<const quint64> latest = m_generation;
        m_jobId = m_pool->submit(
            spec, m_context, std::move(work),
            [generation, latest, onResult = std::move(onResult)](auto result) mutable {
                if (generation != *latest)
                    return; // superseded
                onResult(std::move(result));
            });
    }

    // Cancels the running job, if any; its result will be dropped.
    void cancel()
    {
        ++*m_generation;
        if (m_jobId && m_pool)
            m_pool->cancel(m_jobId);
        m_jobId = 0;
    }

    quint64 generation() const { return *m_generation; }

private:
    QPointer<PgPool> m_pool;
    QObject *m_context;
    std::shared_ptr<quint64> m_generation = std::make_shared<quint64>(0);
    quint64 m_jobId = 0;
};

} // namespace switchboard
