#pragma once
// Hosts and their PM2-managed agent processes: heartbeats (hash + procs zset), the odd
// restart, and in the incident scenario one crash-looping process with climbing restarts.
#include "sim/SimRandom.h"
#include "sim/SimState.h"
#include "sim/TickContext.h"

#include <vector>

namespace switchboard::sim {

class FleetGenerator
{
public:
    FleetGenerator(const SimRandom &root, int hosts, bool crashLoop);
    void start(TickContext &ctx);
    void tick(TickContext &ctx);
    const std::vector<std::string> &hosts() const { return m_hosts; }
    const std::vector<ProcState> &procs() const { return m_procs; }

private:
    void heartbeat(TickContext &ctx, ProcState &p);
    void event(TickContext &ctx, const ProcState &p, const std::string &event,
               const std::string &detail, std::int64_t at = 0);

    SimRandom m_rng;
    std::vector<std::string> m_hosts;
    std::vector<ProcState> m_procs;
    std::int64_t m_nextCrashMs = 0;
};

} // namespace switchboard::sim
