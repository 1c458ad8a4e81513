#pragma once
// Where the events services hand their parsed rows: the live tail one TailBatch per
// GUI event-loop pass, the history one keyset page at a time. Implemented by
// models/RecoveryEventTableModel, which only applies them: the services never see a
// model, the model never sees a connection.
#include "core/types/RecoveryEventRow.h"
#include "core/types/TailBatch.h"

#include <vector>

namespace switchboard {

class RecoveryEventSink
{
public:
    virtual ~RecoveryEventSink() = default;

    // The most rows the sink lists (the tail's worker trims a batch to it).
    virtual int capacity() const = 0;
    // Rows handed in but never listed (more arrived between two inserts than it holds).
    virtual qint64 neverListed() const = 0;
    // A tail batch: its rows were counted on the worker (batch.counters), every row read.
    virtual void applyBatch(TailBatch batch) = 0;
    // A history page: counted here, listed at once after the rows before it.
    virtual void applyPage(std::vector<RecoveryEventRow> rows) = 0;
    virtual void clearRows() = 0; // rows and counters (a new history range)
};

} // namespace switchboard
