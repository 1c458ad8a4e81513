#pragma once
// Virtual time. Every generated value is a function of (seed, virtual time): the loop
// advances in fixed ticks whether it runs paced to the wall clock or flat out.
#include <cstdint>
#include <string>

namespace switchboard::sim {

class SimClock
{
public:
    SimClock(std::int64_t epochMs, std::int64_t tickMs)
        : m_epoch(epochMs)
        , m_tick(tickMs)
    { }
    std::int64_t epochMs() const { return m_epoch; }
    std::int64_t tickMs() const { return m_tick; }
    std::int64_t tick() const { return m_n; }
    std::int64_t nowMs() const { return m_epoch + m_n * m_tick; }
    std::int64_t elapsedMs() const { return m_n * m_tick; }
    void advance() { ++m_n; }

private:
    std::int64_t m_epoch;
    std::int64_t m_tick;
    std::int64_t m_n = 0;
};

// "2026-11-26 23:29:27.123+00" (Postgres timestamptz text, UTC).
std::string pgTimestamp(std::int64_t ms);
// LangSmith dotted-order stamp: "20261126T232927123000Z".
std::string dottedStamp(std::int64_t ms);

} // namespace switchboard::sim
