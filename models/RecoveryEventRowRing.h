#pragma once
// The events table's bounded buffer: a ring of at most `capacity` rows. Evicting the
// oldest only moves the head (no per-row free), appending move-assigns into a slot left
// by an evicted row (no per-row allocation once full). A std::deque of RecoveryEventRow (about
// 300 bytes) allocated and freed a node per row: in Bench 2 that was a fifth of the GUI
// thread's time (malloc, page faults). Slots grow on demand up to the capacity.
#include "core/types/RecoveryEventRow.h"

#include <vector>

namespace switchboard {

class RecoveryEventRowRing
{
public:
    explicit RecoveryEventRowRing(size_t capacity) { setCapacity(capacity); }

    size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    size_t capacity() const { return m_capacity; }
    const RecoveryEventRow &at(size_t i) const { return m_slots[(m_head + i) % m_capacity]; }

    // Callers keep size() <= capacity() (evict first).
    void pushBack(RecoveryEventRow &&row);
    void popFront(size_t n);
    void clear();
    // Keeps the newest min(size, capacity) rows.
    void setCapacity(size_t capacity);
    // Maps the pages of the slots not used yet, in the background (see RecoveryEventRowRing.cpp):
    // the buffer is resident from then on instead of faulting in on the GUI thread as it
    // fills. Returns the bytes asked for (0 = nothing to do).
    size_t populateAhead();

private:
    std::vector<RecoveryEventRow> m_slots;
    size_t m_capacity = 1;
    size_t m_head = 0;
    size_t m_size = 0;
};

} // namespace switchboard
