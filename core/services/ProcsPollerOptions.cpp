#include "core/services/ProcsPollerOptions.h"

namespace switchboard {

IndexDeltaPoller::Options procsPollerOptions(const Keys &keys)
{
    // Heartbeats move every score every 2 s: CPU / memory are re-read every 20 s per
    // process (spread out), at once for the selected rows and for any process PM2
    // reported an event for; liveness comes from the scores themselves.
    IndexDeltaPoller::Options o;
    o.indexKey = keys.procs();
    o.hashKey = [keys](const QByteArray &member) -> QByteArray {
        return keys.ns() + "proc:" + member;
    };
    o.intervalMs = 2000;
    o.fieldsRefreshMs = 20000;
    o.lookbackMs = 10000;
    // 10 000 processes: every poll sorts 10 000 moved members and a refresh wave brings
    // ~2000 hashes. Sliced (2 ms per event-loop pass), and capped: 600 age-due re-reads
    // per poll, so at 10 000 processes fields refresh every ~33 s instead of 20 s and the
    // Redis load stays >= 10x under a full re-read. docs/poller.md has the figures.
    // 2 ms: a poller slice, the model's slice and a paint can share one event-loop pass
    // (bench_procs names the largest events).
    o.sliceBudgetMs = 2;
    o.maxFieldReadsPerPoll = 600;
    return o;
}

} // namespace switchboard
