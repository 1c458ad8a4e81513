#include "sim/PromptGenerator.h"

#include "sim/Agents.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace switchboard::sim {

PromptGenerator::PromptGenerator(const SimRandom &root, const TextFactory &text, bool incident,
                                 std::int64_t incidentAtMs, std::int64_t firstDeploymentId)
    : m_rng(root.fork("prompts"))
    , m_text(text)
    , m_incident(incident)
    , m_incidentAt(incidentAtMs)
    , m_nextId(firstDeploymentId)
{ }

PromptVersion PromptGenerator::makeVersion(const std::string &agent, int version, std::int64_t at,
                                           const std::string &model)
{
    PromptVersion v;
    v.agent = agent;
    v.version = version;
    v.body = m_text.systemPrompt(agent, version, m_rng);
    v.model = model;
    v.paramsJson = nlohmann::json({{"temperature", 0.1 * static_cast<double>(m_rng.range(0, 7))},
                                   {"max_tokens", 1024},
                                   {"response_format", "json_object"}})
                       .dump();
    v.createdAt = at;
    v.createdBy = m_rng.chance(0.5) ? "maria.k" : "dev.ops";
    v.note = version == 1 ? "initial version" : "tighten tool-use rules, shorter replies";
    v.evalSuite = "golden-" + agent + "-v3";
    v.evalScore = 0.70 + 0.01 * static_cast<double>(m_rng.range(0, 27));
    v.evalPassed = v.evalScore >= 0.80;
    return v;
}

void PromptGenerator::start(TickContext &ctx)
{
    for (const AgentSpec &a : agentSpecs()) {
        const int versions = static_cast<int>(m_rng.range(3, 6));
        int active = 0;
        for (int v = 1; v <= versions; ++v) {
            const std::int64_t at = ctx.nowMs
                - static_cast<std::int64_t>(versions - v + 1) * 3 * 86400000LL
                - m_rng.range(0, 86400000);
            PromptVersion pv = makeVersion(a.name, v, at, a.model);
            SimRecord r;
            r.op = SimRecord::Op::PgRow;
            r.type = "prompt_versions";
            r.key = "agentops.prompt_versions";
            r.fields = ContractEncoder::promptVersionRow(pv);
            ctx.put(std::move(r));
            if (!pv.evalPassed)
                continue; // never deployed: failed its evaluation
            PromptDeployment d;
            d.agent = a.name;
            d.version = v;
            d.previousVersion = active;
            d.model = a.model;
            d.deployedAt = at + 3600000;
            d.deployedBy = pv.createdBy;
            d.reason = "release " + std::to_string(v);
            deploy(ctx, d, false);
            // Some releases were rolled back the same day, and rolled forward later.
            if (active > 0 && m_rng.chance(0.25)) {
                PromptDeployment rb = d;
                rb.kind = "rollback";
                rb.version = active;
                rb.previousVersion = v;
                rb.deployedAt = d.deployedAt + 2 * 3600000;
                rb.deployedBy = "oncall";
                rb.reason = "escalations up after v" + std::to_string(v);
                deploy(ctx, rb, false);
                continue;
            }
            active = v;
        }
        m_latestVersion[a.name] = versions;
        if (active == 0) {
            // Nothing passed: an override deploy of v1 keeps the agent running.
            PromptDeployment d;
            d.agent = a.name;
            d.version = 1;
            d.model = a.model;
            d.deployedAt = ctx.nowMs - 86400000;
            d.deployedBy = "oncall";
            d.reason = "override: no version passed golden set";
            deploy(ctx, d, false);
        }
    }
}

void PromptGenerator::deploy(TickContext &ctx, PromptDeployment d, bool publish)
{
    d.id = m_nextId++;
    const auto prev = m_active.find(d.agent);
    d.previousDeploymentId = prev == m_active.end() ? 0 : prev->second.id;
    SimRecord row;
    row.op = SimRecord::Op::PgRow;
    row.type = "prompt_deployments";
    row.key = "agentops.prompt_deployments";
    row.fields = ContractEncoder::deploymentRow(d);
    ctx.put(std::move(row));
    SimRecord note;
    note.op = SimRecord::Op::PgRow;
    note.type = "prompt_notifications";
    note.key = "agentops.prompt_notifications";
    note.fields = ContractEncoder::notificationRow(d);
    ctx.put(std::move(note));
    SimRecord h;
    h.op = SimRecord::Op::HashSet;
    h.type = "prompt";
    h.key = ctx.encoder->promptKey(d.agent);
    h.fields = ContractEncoder::activePromptFields(d);
    ctx.put(std::move(h));
    if (publish) {
        SimRecord p;
        p.op = SimRecord::Op::Publish;
        p.type = "prompt-activated";
        p.key = ctx.encoder->promptActivatedChannel();
        p.payload = ContractEncoder::promptActivatedJson(d);
        ctx.put(std::move(p));
    }
    m_active[d.agent] = d;
}

void PromptGenerator::tick(TickContext &ctx)
{
    if (!m_incident || m_incidentDone || ctx.elapsedMs < m_incidentAt)
        return;
    m_incidentDone = true;
    const std::string agent = incidentPromptAgent();
    const int version = ++m_latestVersion[agent];
    PromptVersion pv = makeVersion(agent, version, ctx.nowMs - 600000, activeModel(agent));
    pv.note = "stricter persona, drop JSON example from system prompt";
    pv.evalScore = 0.86; // the golden set did not catch it
    pv.evalPassed = true;
    SimRecord r;
    r.op = SimRecord::Op::PgRow;
    r.type = "prompt_versions";
    r.key = "agentops.prompt_versions";
    r.fields = ContractEncoder::promptVersionRow(pv);
    ctx.put(std::move(r));
    PromptDeployment d;
    d.agent = agent;
    d.version = version;
    d.previousVersion = activeVersion(agent);
    d.model = pv.model;
    d.deployedAt = ctx.nowMs;
    d.deployedBy = "release-bot";
    d.reason = "weekly prompt release";
    deploy(ctx, d, true);
    std::fprintf(
        stderr,
        "switchboard-sim: incident: %s prompt v%d deployed at virtual %lld ms (start + %lld ms)\n",
        agent.c_str(), version, static_cast<long long>(ctx.nowMs),
        static_cast<long long>(ctx.elapsedMs));
}

int PromptGenerator::activeVersion(const std::string &agent) const
{
    const auto it = m_active.find(agent);
    return it == m_active.end() ? 1 : it->second.version;
}

const std::string &PromptGenerator::activeModel(const std::string &agent) const
{
    static const std::string none;
    const auto it = m_active.find(agent);
    return it == m_active.end() ? none : it->second.model;
}

} // namespace switchboard::sim
