#pragma once
// What the events tail's worker thread hands the GUI thread in one go: the rows parsed
// since the last hand-over (at most the model's capacity: when the GUI falls behind, the
// oldest are dropped here, never queued without bound; gap rows are kept) and exact counters and
// per-minute rates over every row of the batch, dropped ones included.
#include "core/types/RecoveryEventRateBuckets.h"
#include "core/types/RecoveryEventRow.h"

#include <vector>

namespace switchboard {

struct TailBatch
{
    std::vector<RecoveryEventRow>
        rows; // oldest first; over the capacity only until take() trims it
    RecoveryEventCounters counters; // over all rows of the batch (counters.evicted = dropped)
    RecoveryEventRateBuckets rates;
    qint64 dropped = 0; // rows counted but never handed over (the buffer could not show them)

    bool isEmpty() const { return rows.empty() && counters.total == 0 && counters.gaps == 0; }
};

} // namespace switchboard
