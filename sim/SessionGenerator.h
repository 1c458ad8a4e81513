#pragma once
// Live sessions: keeps --sessions of them going, spends the fleet's turn budget on them,
// writes the session hash, the sessions zset, the context composition, the turn's spans,
// recovery events (stream + table) and, when a session ends, its durable summary row.
#include "sim/PromptGenerator.h"
#include "sim/SimRandom.h"
#include "sim/SimState.h"
#include "sim/TickContext.h"
#include "sim/TurnGenerator.h"

#include <vector>

namespace switchboard::sim {

class SessionGenerator
{
public:
    SessionGenerator(const SimRandom &root, const TextFactory &text, const PromptGenerator &prompts,
                     std::vector<std::string> hosts, Scenario scenario);
    void tick(TickContext &ctx);
    // Postgres only, flat out: sessions back to back until `spans` spans were made.
    // onBatch is called with the records after each turn.
    std::int64_t spansWritten() const { return m_spans; }
    std::int64_t eventsWritten() const { return m_events; }
    // One long session of about `spans` spans, Postgres only (trace views at scale).
    void bigSession(TickContext &ctx, std::int64_t spans);
    // Runs one turn on a fresh-or-live session at ctx.nowMs (backfill uses this).
    void turn(TickContext &ctx, bool redis);

private:
    SessionState newSession(std::int64_t now);
    void runTurn(TickContext &ctx, SessionState &s, bool redis);
    void writeSession(TickContext &ctx, const SessionState &s);
    TurnRisk riskFor(const SessionState &s, const TickContext &ctx) const;

    SimRandom m_rng;
    const TextFactory &m_text;
    const PromptGenerator &m_prompts;
    TurnGenerator m_turns;
    std::vector<std::string> m_hosts;
    Scenario m_scenario;
    std::vector<SessionState> m_live;
    double m_budget = 0;
    std::int64_t m_spans = 0, m_events = 0, m_serial = 0;
};

} // namespace switchboard::sim
