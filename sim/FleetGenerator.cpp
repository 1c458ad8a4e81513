#include "sim/FleetGenerator.h"

#include <cstdio>

namespace switchboard::sim {

namespace {
struct AppSpec
{
    const char *app, *layer, *mode;
    int instances;
};
const AppSpec kApps[] = {
    {"sip-gateway", "voice", "cluster", 2}, {"voice-agent", "voice", "fork", 1},
    {"support-agent", "llm", "cluster", 2}, {"billing-agent", "llm", "fork", 1},
    {"research-agent", "llm", "fork", 1},   {"tool-runner", "tool", "fork", 1},
    {"retrieval-svc", "tool", "fork", 1},   {"session-store", "session", "fork", 1},
};
} // namespace

FleetGenerator::FleetGenerator(const SimRandom &root, int hosts, bool crashLoop)
    : m_rng(root.fork("fleet"))
{
    for (int h = 1; h <= hosts; ++h) {
        char name[32];
        std::snprintf(name, sizeof name, "agent-host-%02d", h);
        m_hosts.emplace_back(name);
        int pmId = 0;
        for (const AppSpec &a : kApps) {
            for (int i = 0; i < a.instances; ++i) {
                ProcState p;
                p.host = name;
                p.app = a.app;
                p.layer = a.layer;
                p.execMode = a.mode;
                p.instances = a.instances;
                p.pmId = pmId++;
                p.pid = static_cast<int>(m_rng.range(1200, 64000));
                p.restarts = static_cast<int>(m_rng.range(0, 3));
                p.memory = m_rng.range(80, 900) * 1024 * 1024;
                p.crashLoop = crashLoop && h == 1 && p.app == std::string("tool-runner");
                m_procs.push_back(p);
            }
        }
    }
}

void FleetGenerator::start(TickContext &ctx)
{
    for (ProcState &p : m_procs) {
        p.startedAt = ctx.nowMs - m_rng.range(60, 6 * 86400) * 1000;
        // The start that the bridge saw: the stream's history begins with it.
        event(ctx, p, "online", "started by pm2 resurrect", p.startedAt);
        heartbeat(ctx, p);
    }
    m_nextCrashMs = ctx.nowMs + 4000;
}

void FleetGenerator::heartbeat(TickContext &ctx, ProcState &p)
{
    p.heartbeatAt = ctx.nowMs;
    const bool running = p.status == "online";
    p.cpu = running ? std::max(0.0, m_rng.normal(p.layer == std::string("llm") ? 35 : 8, 6)) : 0;
    p.memory = std::max<std::int64_t>(40 << 20, p.memory + m_rng.range(-4, 5) * (1 << 20));
    SimRecord r;
    r.op = SimRecord::Op::HashSet;
    r.type = "proc";
    r.key = ctx.encoder->procKey(p);
    r.ttlMs = kProcTtlMs;
    r.fields = ContractEncoder::procFields(p);
    ctx.put(std::move(r));
    SimRecord z;
    z.op = SimRecord::Op::ZAdd;
    z.type = "procs";
    z.key = ctx.encoder->procsKey();
    z.id = p.member();
    z.score = static_cast<double>(p.heartbeatAt);
    ctx.put(std::move(z));
}

void FleetGenerator::event(TickContext &ctx, const ProcState &p, const std::string &ev,
                           const std::string &detail, std::int64_t at)
{
    ProcEvent e {p.host, p.app, ev, detail, p.pmId, at > 0 ? at : ctx.nowMs};
    SimRecord r;
    r.op = SimRecord::Op::StreamAdd;
    r.type = "proc-event";
    r.key = ctx.encoder->procEventsKey();
    r.id = ctx.streamIds->next(r.key, ctx.nowMs);
    r.maxLen = kStreamMaxLen;
    r.fields = ContractEncoder::procEventFields(e);
    const std::string streamId = r.id;
    ctx.put(std::move(r));
    SimRecord row;
    row.op = SimRecord::Op::PgRow;
    row.type = "process_events";
    row.key = "agentops.process_events";
    row.fields = ContractEncoder::processEventRow(e, streamId);
    ctx.put(std::move(row));
}

void FleetGenerator::tick(TickContext &ctx)
{
    for (ProcState &p : m_procs) {
        // Stagger heartbeats by pm_id so the fleet does not beat in lockstep.
        const std::int64_t phase = (ctx.elapsedMs + p.pmId * 370) % kHeartbeatMs;
        const bool beat = phase < ctx.tickMs;
        if (p.crashLoop && ctx.nowMs >= m_nextCrashMs && p.status != "errored") {
            // PM2 gives up after max_restarts (15 here): the process stays errored.
            {
                ++p.restarts;
                ++p.unstableRestarts;
                event(ctx, p, "exit",
                      "code 1: Error: connect ECONNREFUSED 10.0.3.7:5432 (retrieval DB)");
                p.status = p.unstableRestarts >= 15 ? "errored" : "launching";
                if (p.status == "launching") {
                    event(ctx, p, "restart", "restart #" + std::to_string(p.restarts));
                    p.pid = static_cast<int>(m_rng.range(1200, 64000));
                    p.startedAt = ctx.nowMs;
                }
                heartbeat(ctx, p);
            }
            m_nextCrashMs = ctx.nowMs + 6000;
            continue;
        }
        if (p.crashLoop && p.status == "launching" && ctx.nowMs - p.startedAt > 1500) {
            p.status = "online";
            event(ctx, p, "online", "");
            heartbeat(ctx, p);
            continue;
        }
        if (beat) {
            // A calm fleet still restarts the odd process (memory limit, deploy).
            if (!p.crashLoop && m_rng.chance(0.002)) {
                ++p.restarts;
                event(ctx, p, "restart", "max_memory_restart: 1G exceeded");
                event(ctx, p, "online", "");
                p.pid = static_cast<int>(m_rng.range(1200, 64000));
                p.startedAt = ctx.nowMs;
            }
            heartbeat(ctx, p);
        }
    }
}

} // namespace switchboard::sim
