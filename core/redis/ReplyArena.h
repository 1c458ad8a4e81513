#pragma once
// A bump allocator for hiredis reply trees. A stream reader's XREAD reply of 1 000 events
// is ~23 000 redisReply objects, element vectors and strings: one malloc each, and one
// free each in freeReplyObject, were half of the events tail worker's CPU (perf). Here a
// reply's tree is carved from a few reused 64 KiB blocks and given back at once (reset)
// when the reply has been handed out. An allocation larger than a quarter block (a big
// bulk string) gets its own malloc, freed at the reset, so a block is never mostly waste.
// Allocation never throws: nullptr when malloc fails, which hiredis reports as an error.
#include <cstddef>
#include <vector>

namespace switchboard {

class ReplyArena
{
public:
    static constexpr size_t kBlockSize = 64 * 1024;
    ReplyArena() = default;
    ~ReplyArena();
    ReplyArena(const ReplyArena &) = delete;
    ReplyArena &operator=(const ReplyArena &) = delete;

    // `size` bytes aligned to `align` (a power of two, at most alignof(max_align_t)).
    void *allocate(size_t size, size_t align);
    // Every allocation is invalid afterwards. The blocks stay for the next reply, except
    // those beyond what recent replies needed (so one huge reply is not held forever).
    void reset();

    size_t bytesInUse() const { return m_bytesInUse; } // requested since the last reset
    size_t blocksHeld() const { return m_blocks.size(); }
    size_t largeAllocations() const { return m_large.size(); }

private:
    bool nextBlock();

    std::vector<char *> m_blocks; // each kBlockSize; [0, m_current] in use
    size_t m_current = 0;
    size_t m_offset = kBlockSize; // in m_blocks[m_current]; full until a block exists
    std::vector<void *> m_large; // over-size allocations of this reply
    size_t m_bytesInUse = 0;
    size_t m_recentPeak = 1; // most blocks used by one reply since the last trim
    unsigned m_resets = 0;
    static constexpr unsigned kTrimEvery = 64; // resets between two trims
    static constexpr size_t kKeepAtMost = 32; // blocks kept across a reset (2 MiB)
};

} // namespace switchboard
