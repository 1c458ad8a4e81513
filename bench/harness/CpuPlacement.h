#pragma once
// Where a benchmark's processes run. In production the console runs on the operator's
// machine and Redis, Postgres and the agents on others; a benchmark runs them all on one
// machine (here 2 cores). Left to the scheduler, the console's GUI thread waits for a CPU
// that the load generator or Redis holds, and its wall-clock stall measures the
// co-location rather than the console. So a GUI benchmark puts the console on CPU 0 and
// everything standing for other machines (Redis, writers, simulators, a baseline
// consumer) on the other CPUs. Other users of the machine still compete with both; the
// stall probe prints the worst stall's run-queue wait so that shows.
#include <QString>

#include <pthread.h>
#include <sys/types.h>

namespace switchboard::bench {

class CpuPlacement
{
public:
    // False on a 1-CPU machine (nothing is pinned then).
    static bool available();
    // Every thread of this process that exists now -> CPU 0; threads it starts later
    // inherit the creating thread's set.
    static bool pinConsole();
    // Every thread of `pid` -> CPUs 1..n-1 (Redis, a writer process).
    static bool pinLoad(pid_t pid);
    // One thread of this process -> CPUs 1..n-1 (an in-process writer or baseline).
    static bool pinLoadThread(pthread_t thread);
    // "console on CPU 0, Redis and load on CPU 1" or why not.
    static QString describe();
};

} // namespace switchboard::bench
