#pragma once
// Where threads go that cannot be joined: a worker blocked in a query or a cancel on a
// server that accepted the connection and then stopped answering (a frozen host, a
// SIGSTOPped postmaster) would hold the console's window for as long as the server
// stays frozen. Rather than wait, the owner hands the thread (or thread pool) here and
// moves on. Parked objects stay reachable from this process-wide list, and each later
// call deletes those whose threads have since ended, so repeated shutdowns do not add
// up. A parked thread must only touch memory it co-owns (see PgPoolCore).
class QThread;
class QThreadPool;

namespace switchboard::ThreadGraveyard {

void park(QThread *thread);
void park(QThreadPool *pool);
int parkedCount(); // threads and pools still parked, after reaping (for tests and logs)

} // namespace switchboard::ThreadGraveyard
