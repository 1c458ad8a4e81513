#include "core/redis/ReplyArena.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) // clang's spelling (the fuzz preset)
#define SB_ARENA_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(SB_ARENA_ASAN)
#include <sanitizer/asan_interface.h>
// Under ASan the arena tells it which bytes are handed out: a read of a released reply, or
// past the end of a string or an element array within a block, is reported as it would be
// with hiredis' own malloc per object (review: the arena had silenced the asan preset).
#define SB_ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define SB_ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define SB_ARENA_POISON(p, n) ((void)(p), (void)(n))
#define SB_ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace switchboard {

ReplyArena::~ReplyArena()
{
    for (void *p : m_large)
        std::free(p);
    for (char *b : m_blocks) {
        SB_ARENA_UNPOISON(b, kBlockSize);
        std::free(b);
    }
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
    SB_ARENA_POISON(block, kBlockSize);
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
    SB_ARENA_UNPOISON(m_blocks[m_current] + at, size);
    return m_blocks[m_current] + at;
}

void ReplyArena::reset()
{
    for (void *p : m_large)
        std::free(p);
    m_large.clear();
    const size_t used = m_blocks.empty() ? 0 : m_current + 1;
    for (size_t b = 0; b < used; ++b)
        SB_ARENA_POISON(m_blocks[b], kBlockSize);
    m_recentPeak = std::max(m_recentPeak, used);
    // One huge reply's blocks are not kept for the next kTrimEvery replies (review: up to
    // ~120 MiB per connection, for ever on one that then goes idle).
    while (m_blocks.size() > kKeepAtMost) {
        SB_ARENA_UNPOISON(m_blocks.back(), kBlockSize);
        std::free(m_blocks.back());
        m_blocks.pop_back();
    }
    if (++m_resets % kTrimEvery == 0) {
        // Keep what the largest reply of the last kTrimEvery needed, free the rest.
        while (m_blocks.size() > m_recentPeak) {
            SB_ARENA_UNPOISON(m_blocks.back(), kBlockSize);
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
