#pragma once
// Where threads go that cannot be joined: a worker blocked in a query or a cancel on a
// server that accepted the connection and then stopped answering (a frozen host, a
// SIGSTOPped postmaster) would hold the console's window for as long as the server
// stays frozen. Rather than wait, the owner hands the thread (or thread pool) here and
// moves on. Parked objects stay reachable from this process-wide list, and each later
// call deletes those whose threads have since ended, so repeated shutdowns do not add
// up. A parked thread must only touch memory it co-owns (see PgPoolCore).
//
// Threads that refer to each other are parked together, as one grave: a pool's cancel
// tasks point at its workers, so no worker is deleted before the cancel pool is done.
#include <vector>

class QThread;
class QThreadPool;

namespace switchboard::ThreadGraveyard {

// Deleted once `pool` (may be null) has no task left and every thread has ended; the
// pool first. Queued tasks of `pool` are dropped now.
void park(QThreadPool *pool, std::vector<QThread *> threads);
void park(QThread *thread);
int parkedCount(); // graves still occupied, after reaping (for tests and logs)

} // namespace switchboard::ThreadGraveyard
