#include "models/EventRowRing.h"

#include <algorithm>

namespace switchboard {

void EventRowRing::pushBack(EventRow &&row)
{
    Q_ASSERT(m_size < m_capacity);
    // While the slots grow, head + size == slots.size(): the next slot is a new one. Once
    // all exist, it is the one after the newest row (an evicted row's), wrapping around.
    const size_t pos = (m_head + m_size) % m_capacity;
    if (pos == m_slots.size())
        m_slots.push_back(std::move(row));
    else
        m_slots[pos] = std::move(row);
    ++m_size;
}

void EventRowRing::popFront(size_t n)
{
    n = std::min(n, m_size);
    m_head = (m_head + n) % m_capacity;
    m_size -= n;
    if (m_size == 0 && m_slots.size() < m_capacity) { // keep the "growing" invariant simple
        m_head = 0;
        m_slots.clear();
    }
}

void EventRowRing::clear()
{
    m_slots.clear();
    m_head = 0;
    m_size = 0;
}

void EventRowRing::setCapacity(size_t capacity)
{
    capacity = std::max<size_t>(1, capacity);
    std::vector<EventRow> fresh;
    const size_t keep = std::min(m_size, capacity);
    // Address space only until rows arrive (a fresh allocation's pages are mapped lazily);
    // capped so a huge history buffer grows by doubling instead.
    fresh.reserve(std::min<size_t>(capacity, 131072));
    // Not advised for transparent huge pages: it removed the 4 KB faults of the first
    // fill (~17% of the GUI thread then) but with THP defrag "madvise" a fault may compact
    // memory synchronously, and a test of the GUI thread's stall saw 216 ms once.
    for (size_t i = m_size - keep; i < m_size; ++i)
        fresh.push_back(std::move(m_slots[(m_head + i) % m_capacity]));
    m_slots = std::move(fresh);
    m_capacity = capacity;
    m_head = 0;
    m_size = keep;
}

} // namespace switchboard
