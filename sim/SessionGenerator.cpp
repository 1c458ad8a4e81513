#include "sim/SessionGenerator.h"

#include "sim/Agents.h"

namespace switchboard::sim {

SessionGenerator::SessionGenerator(const SimRandom &root, const TextFactory &text,
                                   const PromptGenerator &prompts, std::vector<std::string> hosts,
                                   Scenario scenario)
    : m_rng(root.fork("sessions"))
    , m_text(text)
    , m_prompts(prompts)
    , m_turns(text)
    , m_hosts(std::move(hosts))
    , m_scenario(scenario)
{ }

SessionState SessionGenerator::newSession(std::int64_t now)
{
    SessionState s;
    double r = m_rng.unit();
    const AgentSpec *spec = &agentSpecs().front();
    for (const AgentSpec &a : agentSpecs()) {
        spec = &a;
        if (r < a.weight)
            break;
        r -= a.weight;
    }
    s.id = "s-" + m_rng.hex(8) + '-' + m_rng.hex(4) + '-' + m_rng.hex(12);
    s.agent = spec->name;
    s.layer = spec->layer;
    s.channel = spec->channel;
    s.host = m_rng.pick(m_hosts);
    s.model = m_prompts.activeModel(spec->name).empty() ? spec->model
                                                        : m_prompts.activeModel(spec->name);
    s.ctxLimit = spec->window;
    s.promptVersion = m_prompts.activeVersion(spec->name);
    s.startedAt = now;
    s.updatedAt = now;
    s.plannedTurns = static_cast<int>(m_rng.logNormalInt(8, 0.7, 1, 60));
    ++m_serial;
    return s;
}

TurnRisk SessionGenerator::riskFor(const SessionState &s, const TickContext &ctx) const
{
    TurnRisk r;
    if (m_scenario != Scenario::Incident)
        return r;
    if (s.agent == incidentPromptAgent() && m_prompts.incidentDeployed()) {
        r.invalidJson = 0.35;
        r.recoverOk = 0.45;
    }
    if (s.agent == incidentOverflowAgent())
        r.overflow = 0.4; // a retrieval index change returns whole manuals
    (void)ctx;
    return r;
}

void SessionGenerator::writeSession(TickContext &ctx, const SessionState &s)
{
    SimRecord h;
    h.op = SimRecord::Op::HashSet;
    h.type = "session";
    h.key = ctx.encoder->sessionKey(s.id);
    h.ttlMs = s.state == "ended" ? ctx.options->endedTtlMs : kSessionIdleTtlMs;
    h.fields = ContractEncoder::sessionFields(s);
    ctx.put(std::move(h));
    SimRecord c;
    c.op = SimRecord::Op::StringSet;
    c.type = "ctx";
    c.key = ctx.encoder->sessionCtxKey(s.id);
    c.ttlMs = s.state == "ended" ? ctx.options->endedTtlMs : kSessionIdleTtlMs;
    c.payload = ContractEncoder::contextJson(s);
    ctx.put(std::move(c));
    SimRecord z;
    z.op = SimRecord::Op::ZAdd;
    z.type = "sessions";
    z.key = ctx.encoder->sessionsKey();
    z.id = s.id;
    z.score = static_cast<double>(s.updatedAt);
    ctx.put(std::move(z));
}

void SessionGenerator::runTurn(TickContext &ctx, SessionState &s, bool redis)
{
    // Agents pick up a new prompt at their next turn (they listen to prompt-activated).
    s.promptVersion = m_prompts.activeVersion(s.agent);
    SimRandom rng = m_rng.fork(s.id + '#' + std::to_string(s.turns));
    const std::int64_t start = ctx.nowMs + rng.range(0, std::max<std::int64_t>(0, ctx.tickMs - 1));
    const std::string system = m_text.systemPrompt(s.agent, s.promptVersion, rng);
    TurnResult res = m_turns.run(s, start, riskFor(s, ctx), rng, system);
    for (SpanData &d : res.spans) {
        SimRecord r;
        r.op = SimRecord::Op::PgRow;
        r.type = "spans";
        r.key = "agentops.spans";
        r.fields = ContractEncoder::spanRow(d);
        ctx.put(std::move(r));
    }
    m_spans += static_cast<std::int64_t>(res.spans.size());
    for (const RecoveryEvent &e : res.events) {
        std::string streamId;
        if (redis) {
            SimRecord r;
            r.op = SimRecord::Op::StreamAdd;
            r.type = "event";
            r.key = ctx.encoder->recoveryEventsKey();
            r.id = ctx.streamIds->next(r.key, ctx.nowMs);
            r.maxLen = kRecoveryEventsMaxLen;
            r.fields = ContractEncoder::recoveryEventFields(e);
            streamId = r.id;
            ctx.put(std::move(r));
        }
        SimRecord row;
        row.op = SimRecord::Op::PgRow;
        row.type = "recovery_events";
        row.key = "agentops.recovery_events";
        row.fields = ContractEncoder::recoveryRow(e, streamId);
        ctx.put(std::move(row));
        ++m_events;
    }
    if (s.turns >= s.plannedTurns || (s.failed && rng.chance(0.5))) {
        s.state = "ended";
        s.endedAt = res.endMs;
        SimRecord row;
        row.op = SimRecord::Op::PgRow;
        row.type = "sessions_summary";
        row.key = "agentops.sessions";
        row.fields = ContractEncoder::sessionSummaryRow(s);
        ctx.put(std::move(row));
    }
    if (redis)
        writeSession(ctx, s);
}

void SessionGenerator::turn(TickContext &ctx, bool redis)
{
    const auto want = static_cast<std::size_t>(std::max(1, ctx.options->sessions));
    while (m_live.size() < want)
        m_live.push_back(newSession(ctx.nowMs));
    const auto i
        = static_cast<std::size_t>(m_rng.range(0, static_cast<std::int64_t>(m_live.size()) - 1));
    runTurn(ctx, m_live[i], redis);
    if (m_live[i].state == "ended")
        m_live.erase(m_live.begin() + static_cast<std::ptrdiff_t>(i));
}

void SessionGenerator::tick(TickContext &ctx)
{
    m_budget += ctx.options->rate * static_cast<double>(ctx.tickMs) / 1000.0;
    while (m_budget >= 1.0) {
        m_budget -= 1.0;
        turn(ctx, true);
    }
}

void SessionGenerator::bigSession(TickContext &ctx, std::int64_t spans)
{
    SessionState s = newSession(ctx.nowMs - 86400000);
    s.plannedTurns = 1 << 30;
    std::int64_t made = 0;
    std::int64_t now = s.startedAt;
    while (made < spans) {
        SimRandom rng = m_rng.fork(s.id + '#' + std::to_string(s.turns));
        TurnResult res = m_turns.run(s, now, TurnRisk {}, rng,
                                     m_text.systemPrompt(s.agent, s.promptVersion, rng));
        for (SpanData &d : res.spans) {
            SimRecord r;
            r.op = SimRecord::Op::PgRow;
            r.type = "spans";
            r.key = "agentops.spans";
            r.fields = ContractEncoder::spanRow(d);
            ctx.put(std::move(r));
        }
        made += static_cast<std::int64_t>(res.spans.size());
        now = res.endMs + 2000;
        ctx.maybeFlush();
    }
    m_spans += made;
    s.state = "ended";
    s.endedAt = now;
    SimRecord row;
    row.op = SimRecord::Op::PgRow;
    row.type = "sessions_summary";
    row.key = "agentops.sessions";
    row.fields = ContractEncoder::sessionSummaryRow(s);
    ctx.put(std::move(row));
}

} // namespace switchboard::sim
