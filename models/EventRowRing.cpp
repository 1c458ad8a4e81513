#include "models/EventRowRing.h"

#include <algorithm>
#include <cstdint>

#ifdef Q_OS_LINUX
#include <sys/mman.h>
#endif

namespace switchboard {

namespace {
// The first pass through the buffer writes ~30 MB of fresh memory one 4 KB page fault at a
// time (a fifth of the GUI thread's time while it fills in Bench 2, faults being costly in
// a VM). Transparent huge pages (THP in "madvise" mode) fault it in 2 MB at a time; memory
// beyond what rows use stays at most one huge page.
void adviseHugePages(void *data, size_t bytes)
{
#ifdef Q_OS_LINUX
    constexpr uintptr_t kHuge = 2u << 20;
    const auto begin = reinterpret_cast<uintptr_t>(data);
    const uintptr_t from = (begin + kHuge - 1) & ~(kHuge - 1);
    const uintptr_t to = (begin + bytes) & ~(kHuge - 1);
    if (to > from)
        madvise(reinterpret_cast<void *>(from), to - from, MADV_HUGEPAGE);
#else
    Q_UNUSED(data);
    Q_UNUSED(bytes);
#endif
}
} // namespace

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
    adviseHugePages(fresh.data(), fresh.capacity() * sizeof(EventRow));
    for (size_t i = m_size - keep; i < m_size; ++i)
        fresh.push_back(std::move(m_slots[(m_head + i) % m_capacity]));
    m_slots = std::move(fresh);
    m_capacity = capacity;
    m_head = 0;
    m_size = keep;
}

} // namespace switchboard
