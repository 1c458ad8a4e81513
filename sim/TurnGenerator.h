#pragma once
// One conversation turn: grows the session's context, builds the turn's span tree
// (turn > retrieval, prompt, llm, retry > llm, tool…, summarize, output) with dotted-order
// paths and subtree totals, and the recovery events that happened on its spans.
#include "sim/SimRandom.h"
#include "sim/SimState.h"
#include "sim/TextFactory.h"

#include <vector>

namespace switchboard::sim {

struct TurnRisk
{
    double invalidJson = 0.02; // model returns unparsable JSON
    double recoverOk = 0.9; // a recovery succeeds
    double toolError = 0.05;
    double overflow = 0.01; // a huge retrieval/tool result blows the window
    double timeout = 0.01;
    double rateLimited = 0.01;
    double providerError = 0.003;
};

struct TurnResult
{
    std::vector<SpanData> spans;
    std::vector<RecoveryEvent> events;
    std::int64_t endMs = 0;
};

class TurnGenerator
{
public:
    explicit TurnGenerator(const TextFactory &text)
        : m_text(text)
    { }
    // Runs turn s.turns + 1 starting at startMs and updates s (context, counters).
    TurnResult run(SessionState &s, std::int64_t startMs, const TurnRisk &risk, SimRandom &rng,
                   const std::string &systemPrompt) const;

private:
    const TextFactory &m_text;
};

} // namespace switchboard::sim
