#pragma once
// Ties the generators to the sinks and runs the virtual clock: paced to the wall clock
// (demo), flat out (--fast, tests) or as a Postgres backfill.
#include "sim/SimOptions.h"
#include "sim/SimRecord.h"

#include <QString>

#include <atomic>
#include <cstdint>
#include <vector>

namespace switchboard::sim {

struct SimStats
{
    std::int64_t ticks = 0, redisCommands = 0, streamEntries = 0, redisErrors = 0;
    std::int64_t pgRows = 0, spans = 0, recoveryEvents = 0;
    std::int64_t incidentAtMs = -1; // virtual Unix ms of the incident deploy
    double seconds = 0; // wall clock
};

class Simulator
{
public:
    explicit Simulator(const SimOptions &options);
    // Runs to the end (duration, backfill size, or requestStop). 0 = success.
    int run();
    const SimStats &stats() const { return m_stats; }
    const std::vector<BadRecord> &badRecords() const { return m_bad; }
    const QString &error() const { return m_error; }

    // Safe from a signal handler.
    static void requestStop();

private:
    SimOptions m_options;
    SimStats m_stats;
    std::vector<BadRecord> m_bad;
    QString m_error;
    static std::atomic<bool> s_stop;
};

} // namespace switchboard::sim
