#include "models/RecoveryEventRowRing.h"

#include <algorithm>
#include <cstdint>
#include <sys/mman.h>
#include <system_error>
#include <thread>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 // Linux 5.14; older kernels say EINVAL and nothing happens
#endif

namespace switchboard {

namespace {
// Maps the pages of [data, data + bytes) ahead of use, on a short-lived thread. The first
// fill of a 100 000-row buffer (~27 MB) took a page fault every ~15 rows on the GUI
// thread, and faults are dear on a VM: perf put a third of the first-fill insert pass
// in them (7-10 ms passes). MADV_POPULATE_WRITE only maps zeroed pages where none are
// yet and never writes contents, so it cannot race with rows being moved in meanwhile,
// nor harm a range freed (and even reused) before it gets there.
void populateInBackground(const void *data, size_t bytes)
{
    const auto page = uintptr_t(sysconf(_SC_PAGESIZE));
    const uintptr_t begin = (uintptr_t(data) + page - 1) & ~(page - 1);
    const uintptr_t end = (uintptr_t(data) + bytes) & ~(page - 1);
    if (page == 0 || end <= begin)
        return;
    // In 1 MiB pieces: one call holds the process's memory-map lock until it is done, and
    // every other thread's mmap / munmap (the GUI thread freeing a big batch) waited for
    // the whole 27 MB (12-20 ms here; review).
    try {
        std::thread([begin, end] {
            constexpr uintptr_t kPiece = uintptr_t(1) << 20;
            for (uintptr_t at = begin; at < end; at += kPiece)
                madvise(reinterpret_cast<void *>(at), std::min(kPiece, end - at),
                        MADV_POPULATE_WRITE);
        }).detach();
    } catch (const std::system_error &) {
        // No thread to be had (limits): the buffer fills by page faults, as before.
    }
}
} // namespace

void RecoveryEventRowRing::pushBack(RecoveryEventRow &&row)
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

size_t RecoveryEventRowRing::populateAhead()
{
    if (m_slots.capacity() <= m_slots.size())
        return 0;
    const size_t bytes = (m_slots.capacity() - m_slots.size()) * sizeof(RecoveryEventRow);
    populateInBackground(m_slots.data() + m_slots.size(), bytes);
    return bytes;
}

void RecoveryEventRowRing::popFront(size_t n)
{
    n = std::min(n, m_size);
    m_head = (m_head + n) % m_capacity;
    m_size -= n;
    if (m_size == 0 && m_slots.size() < m_capacity) { // keep the "growing" invariant simple
        m_head = 0;
        m_slots.clear();
    }
}

void RecoveryEventRowRing::clear()
{
    m_slots.clear();
    m_head = 0;
    m_size = 0;
}

void RecoveryEventRowRing::setCapacity(size_t capacity)
{
    capacity = std::max<size_t>(1, capacity);
    std::vector<RecoveryEventRow> fresh;
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
