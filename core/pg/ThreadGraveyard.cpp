#include "core/pg/ThreadGraveyard.h"

#include <QThread>
#include <QThreadPool>

#include <mutex>
#include <vector>

namespace switchboard::ThreadGraveyard {

namespace {
struct Graves
{
    std::mutex mutex;
    std::vector<QThread *> threads;
    std::vector<QThreadPool *> pools;
};

// Never destroyed: threads still parked at exit may outlive every static destructor.
Graves &graves()
{
    static auto *g = new Graves;
    return *g;
}

void reapLocked(Graves &g)
{
    for (auto it = g.threads.begin(); it != g.threads.end();) {
        if ((*it)->isFinished() && (*it)->wait(QDeadlineTimer(0))) {
            delete *it;
            it = g.threads.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = g.pools.begin(); it != g.pools.end();) {
        if ((*it)->waitForDone(0)) {
            delete *it;
            it = g.pools.erase(it);
        } else {
            ++it;
        }
    }
}
} // namespace

void park(QThread *thread)
{
    Graves &g = graves();
    const std::lock_guard<std::mutex> lock(g.mutex);
    reapLocked(g);
    g.threads.push_back(thread);
}

void park(QThreadPool *pool)
{
    Graves &g = graves();
    const std::lock_guard<std::mutex> lock(g.mutex);
    reapLocked(g);
    g.pools.push_back(pool);
}

int parkedCount()
{
    Graves &g = graves();
    const std::lock_guard<std::mutex> lock(g.mutex);
    reapLocked(g);
    return int(g.threads.size() + g.pools.size());
}

} // namespace switchboard::ThreadGraveyard
