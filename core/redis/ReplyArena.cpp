#include "core/redis/ReplyArena.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace switchboard {

ReplyArena::~ReplyArena()
{
    for (void *p : m_large)
        std::free(p);
    for (char *b : m_blocks)
        std::free(b);
}

bool ReplyArena::nextBlock()
{
    if (!m_blocks.empty() && m_current + 1 < m_blocks.size()) {
        ++m_current;
        m_offset = 0;
        return true;
    }
    auto *block = static_cast<char *>(std::malloc(kBlockSize));
    if (!block)
        return false;
    m_blocks.push_back(block);
    m_current = m_blocks.size() - 1;
    m_offset = 0;
    return true;
}

void *ReplyArena::allocate(size_t size, size_t align)
{
    if (size > kBlockSize / 4) {
        void *p = std::malloc(size);
        if (!p)
            return nullptr;
        m_large.push_back(p);
        m_bytesInUse += size;
        return p;
    }
    size_t at = (m_offset + align - 1) & ~(align - 1);
    if (m_blocks.empty() || at + size > kBlockSize) {
        if (!nextBlock())
            return nullptr;
        at = 0;
    }
    m_offset = at + size;
    m_bytesInUse += size;
    return m_blocks[m_current] + at;
}

void ReplyArena::reset()
{
    for (void *p : m_large)
        std::free(p);
    m_large.clear();
    const size_t used = m_blocks.empty() ? 0 : m_current + 1;
    m_recentPeak = std::max(m_recentPeak, used);
    if (++m_resets % kTrimEvery == 0) {
        // Keep what the largest reply of the last kTrimEvery needed, free the rest.
        while (m_blocks.size() > m_recentPeak) {
            std::free(m_blocks.back());
            m_blocks.pop_back();
        }
        m_recentPeak = 1;
    }
    m_current = 0;
    m_offset = m_blocks.empty() ? kBlockSize : 0;
    m_bytesInUse = 0;
}

} // namespace switchboard
