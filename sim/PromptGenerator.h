#pragma once
// Prompt versions per agent (pinned model, golden-set evaluation) and their deployment
// history, the active prompt hash, and in the incident scenario one bad deploy at a
// known virtual time.
#include "sim/SimRandom.h"
#include "sim/SimState.h"
#include "sim/TextFactory.h"
#include "sim/TickContext.h"

#include <map>

namespace switchboard::sim {

class PromptGenerator
{
public:
    PromptGenerator(const SimRandom &root, const TextFactory &text, bool incident,
                    std::int64_t incidentAtMs, std::int64_t firstDeploymentId);
    void start(TickContext &ctx);
    void tick(TickContext &ctx);

    int activeVersion(const std::string &agent) const;
    const std::string &activeModel(const std::string &agent) const;
    bool incidentDeployed() const { return m_incidentDone; }
    std::int64_t incidentAtMs() const { return m_incidentAt; }

private:
    void deploy(TickContext &ctx, PromptDeployment d, bool publish);
    PromptVersion makeVersion(const std::string &agent, int version, std::int64_t at,
                              const std::string &model);

    SimRandom m_rng;
    const TextFactory &m_text;
    bool m_incident;
    std::int64_t m_incidentAt;
    bool m_incidentDone = false;
    std::int64_t m_nextId;
    std::map<std::string, PromptDeployment> m_active;
    std::map<std::string, int> m_latestVersion;
};

} // namespace switchboard::sim
