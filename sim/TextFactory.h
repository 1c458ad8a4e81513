#pragma once
// Realistic-looking texts of chosen sizes, cheap enough for millions of spans: a fixed
// corpus of support-desk prose is built once and slices of it are cut at random offsets.
#include "sim/SimRandom.h"

#include <string>

namespace switchboard::sim {

class TextFactory
{
public:
    TextFactory();
    std::string prose(SimRandom &rng, std::size_t bytes) const;
    std::string userMessage(SimRandom &rng) const;
    std::string assistantReply(SimRandom &rng, std::size_t bytes) const;
    std::string systemPrompt(const std::string &agent, int version, SimRandom &rng) const;
    std::string retrievalDoc(SimRandom &rng, std::size_t bytes) const;
    std::string toolName(SimRandom &rng) const;
    std::string toolArgs(const std::string &tool, SimRandom &rng) const; // JSON
    std::string toolResult(const std::string &tool, SimRandom &rng,
                           std::size_t bytes) const; // JSON

    static std::int64_t tokensFor(std::size_t bytes)
    {
        return static_cast<std::int64_t>(bytes / 4 + 1);
    }

private:
    std::string m_corpus;
};

} // namespace switchboard::sim
