#pragma once
// What a generator gets on each virtual tick: the time, where to put records, and the
// allocator of stream ids (explicit "<ms>-<seq>" ids keep streams byte-identical between
// runs; XADD * would stamp wall-clock time).
#include "sim/ContractEncoder.h"
#include "sim/SimOptions.h"
#include "sim/SimRecord.h"

#include <functional>
#include <map>
#include <vector>

namespace switchboard::sim {

class StreamIds
{
public:
    std::string next(const std::string &stream, std::int64_t ms)
    {
        auto &last = m_last[stream];
        if (ms > last.first)
            last = {ms, 0};
        else
            ++last.second;
        return std::to_string(last.first) + '-' + std::to_string(last.second);
    }

private:
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> m_last;
};

struct TickContext
{
    std::int64_t nowMs = 0;
    std::int64_t tickMs = 100;
    std::int64_t elapsedMs = 0;
    const SimOptions *options = nullptr;
    const ContractEncoder *encoder = nullptr;
    StreamIds *streamIds = nullptr;
    std::vector<SimRecord> *out = nullptr;

    std::function<void()> flush; // hands ctx.out to the sinks (long generators call it)

    void put(SimRecord r) { out->push_back(std::move(r)); }
    void maybeFlush()
    {
        if (flush && out->size() >= 2000)
            flush();
    }
    SimRecord &lastPut() { return out->back(); }
};

// Retention the sim applies (documented in docs/contract.md).
constexpr std::int64_t kStreamMaxLen = 100000; // proc-events
constexpr std::int64_t kRecoveryEventsMaxLen = 1000000; // events
constexpr std::int64_t kZsetHorizonMs = 24 * 3600 * 1000; // zset members older than this are pruned
constexpr std::int64_t kHeartbeatMs = 5000;
constexpr std::int64_t kProcTtlMs = 3 * kHeartbeatMs;
constexpr std::int64_t kSessionIdleTtlMs = 60 * 60 * 1000;

} // namespace switchboard::sim
