#pragma once
// The clock time is judged by, injectable: code that decides by elapsed time (pollers'
// staleness and refresh schedules, TTLs, time-budget slices, alerts) asks a Clock, and a
// test hands it a ManualClock and steps time instead of waiting on the wall clock.
//   monotonicNs/Ms  intervals, deadlines, budgets: never goes back (QElapsedTimer's clock)
//   wallMs          ms since the epoch: what is shown, or compared with writers' stamps
// The Redis server's clock (ServerClock) is a different thing: ages of contract records
// are judged against it, not against this machine's.
#include <QtGlobal>

namespace switchboard {

class Clock
{
public:
    virtual ~Clock() = default;
    virtual qint64 monotonicNs() const = 0;
    qint64 monotonicMs() const { return monotonicNs() / 1000000; }
    virtual qint64 wallMs() const = 0;

    // The process's real clocks; lives as long as the program.
    static const Clock *system();
    // `clock`, or the system's when null (options that default to the real clock).
    static const Clock *orSystem(const Clock *clock) { return clock ? clock : system(); }
};

// A clock that moves only when told (tests).
class ManualClock final : public Clock
{
public:
    explicit ManualClock(qint64 wallMs = 1767225600000 /* 2026-01-01 */)
        : m_wallMs(wallMs)
    { }
    qint64 monotonicNs() const override { return m_ns; }
    qint64 wallMs() const override { return m_wallMs; }
    void advanceMs(qint64 ms) { advanceNs(ms * 1000000); }
    void advanceNs(qint64 ns)
    {
        m_ns += ns;
        m_wallNs += ns;
        m_wallMs += m_wallNs / 1000000;
        m_wallNs %= 1000000;
    }
    void setWallMs(qint64 ms) { m_wallMs = ms; } // the wall clock jumps; monotonic does not

private:
    qint64 m_ns = 1000000000; // not 0: some code treats 0 as "never"
    qint64 m_wallMs;
    qint64 m_wallNs = 0;
};

} // namespace switchboard
