#include "core/pg/ThreadGraveyard.h"

#include <QThread>
#include <QThreadPool>

#include <algorithm>
#include <mutex>

namespace switchboard::ThreadGraveyard {

namespace {
struct Grave
{
    QThreadPool *pool = nullptr;
    std::vector<QThread *> threads;

    bool done() const
    {
        if (pool && !pool->waitForDone(0))
            return false;
        return std::all_of(threads.begin(), threads.end(), [](QThread *t) {
            return t->isFinished() && t->wait(QDeadlineTimer(0));
        });
    }
};

struct Graves
{
    std::mutex mutex;
    std::vector<Grave> graves;
};

// Never destroyed: threads still parked at exit may outlive every static destructor.
Graves &graves()
{
    static auto *g = new Graves;
    return *g;
}

void reapLocked(Graves &g)
{
    for (auto it = g.graves.begin(); it != g.graves.end();) {
        if (it->done()) {
            delete it->pool; // its tasks may point at the threads: it goes first
            for (QThread *t : it->threads)
                delete t;
            it = g.graves.erase(it);
        } else {
            ++it;
        }
    }
}
} // namespace

void park(QThreadPool *pool, std::vector<QThread *> threads)
{
    if (pool)
        pool->clear(); // a cancel that has not started yet is no longer wanted
    Graves &g = graves();
    const std::lock_guard<std::mutex> lock(g.mutex);
    reapLocked(g);
    g.graves.push_back({pool, std::move(threads)});
}

void park(QThread *thread)
{
    park(nullptr, {thread});
}

int parkedCount()
{
    Graves &g = graves();
    const std::lock_guard<std::mutex> lock(g.mutex);
    reapLocked(g);
    return int(g.graves.size());
}

} // namespace switchboard::ThreadGraveyard
