#pragma once
// The agents the simulated fleet runs, with the models (and context windows) they pin.
#include <string>
#include <vector>

namespace switchboard::sim {

struct AgentSpec
{
    std::string name, layer, channel, model;
    std::int64_t window; // tokens
    double weight; // share of sessions
};

inline const std::vector<AgentSpec> &agentSpecs()
{
    static const std::vector<AgentSpec> specs = {
        {"support-agent", "llm", "chat", "gpt-3.5-turbo-0125", 16385, 0.4},
        {"billing-agent", "llm", "email", "mistral-small-2409", 32768, 0.2},
        {"research-agent", "llm", "chat", "gpt-4-0613", 8192, 0.15},
        {"voice-agent", "voice", "voice", "llama-3.1-8b-instruct", 16384, 0.25},
    };
    return specs;
}

// The agent whose deployment goes wrong in the incident scenario, and the one whose
// sessions overflow their window.
inline const char *incidentPromptAgent()
{
    return "support-agent";
}
inline const char *incidentOverflowAgent()
{
    return "research-agent";
}

} // namespace switchboard::sim
