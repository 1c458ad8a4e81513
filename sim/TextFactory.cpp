#include "sim/TextFactory.h"

#include <nlohmann/json.hpp>
#include <vector>

namespace switchboard::sim {

namespace {
const std::vector<std::string> kSentences = {
    "The customer reports that the invoice for March was charged twice to the same card.",
    "I checked the order history and the second charge is still pending with the bank.",
    "Our refund policy allows a full refund within thirty days of the original purchase.",
    "The router firmware was updated last night and the connection drops every few minutes.",
    "Please confirm the last four digits of the account number before we continue.",
    "According to the knowledge base article, the reset requires holding the button for ten "
    "seconds.",
    "The shipment left the warehouse on Tuesday and is expected to arrive by Friday.",
    "The caller asked to speak to a supervisor about the cancellation fee.",
    "Escalation is required when the outstanding balance is above five hundred euros.",
    "The appointment can be moved to any free slot in the next two weeks.",
    "Error code E-4012 means the payment provider declined the transaction for risk reasons.",
    "The previous agent promised a callback that never happened, which the customer mentions "
    "twice.",
    "Summarise the conversation so far, keeping names, amounts, dates and open questions.",
    "Respond in the customer's language and keep answers under three sentences on voice calls.",
    "The plan includes unlimited calls, 20 GB of data and roaming in the European Union.",
    "Tool output was truncated because the upstream service returned more than 500 rows.",
    "The user uploaded a photo of the damaged package; the label is partly unreadable.",
    "Retrieval found three relevant policy sections; the newest one supersedes the others.",
    "Never reveal internal notes, credentials or other customers' data in a reply.",
    "The ticket was merged with an earlier one opened by the same email address.",
};
const std::vector<std::string> kUser = {
    "Hi, I was charged twice for my order, can you fix that?",
    "My internet keeps dropping since yesterday evening.",
    "I want to cancel my subscription but keep my number.",
    "Where is my package? It was supposed to arrive on Monday.",
    "Can I move my appointment to next Thursday afternoon?",
    "Why did my payment fail? The card works everywhere else.",
    "I need an invoice with my company's VAT number on it.",
    "The app says my account is locked, what do I do?",
    "Please send me the contract terms again, I lost the email.",
    "Is roaming included when I travel to Switzerland?",
};
const std::vector<std::string> kTools = {
    "lookup_order",      "refund_payment", "search_kb",  "get_customer", "schedule_callback",
    "check_line_status", "create_ticket",  "send_email", "get_invoice",  "track_shipment",
};
} // namespace

TextFactory::TextFactory()
{
    // Fixed seed: the corpus is the same in every run, so slicing it is deterministic.
    SimRandom rng(0x5eed);
    while (m_corpus.size() < 256 * 1024) {
        m_corpus += rng.pick(kSentences);
        m_corpus += rng.chance(0.15) ? "\n\n" : " ";
    }
}

std::string TextFactory::prose(SimRandom &rng, std::size_t bytes) const
{
    std::string out;
    out.reserve(bytes);
    while (out.size() < bytes) {
        const std::size_t want = bytes - out.size();
        const auto start = static_cast<std::size_t>(
            rng.range(0, static_cast<std::int64_t>(m_corpus.size()) - 1));
        std::size_t from = m_corpus.find(". ", start);
        from = (from == std::string::npos) ? 0 : from + 2;
        const std::size_t n = std::min(want, m_corpus.size() - from);
        out.append(m_corpus, from, n);
    }
    return out;
}

std::string TextFactory::userMessage(SimRandom &rng) const
{
    std::string m = rng.pick(kUser);
    if (rng.chance(0.3))
        m += ' ' + prose(rng, static_cast<std::size_t>(rng.range(40, 400)));
    return m;
}

std::string TextFactory::assistantReply(SimRandom &rng, std::size_t bytes) const
{
    return "Thanks for your patience. " + prose(rng, bytes);
}

std::string TextFactory::systemPrompt(const std::string &agent, int version, SimRandom &rng) const
{
    return "You are " + agent + " (prompt v" + std::to_string(version)
        + "), a production support agent.\nRules:\n- Answer only from tool results and retrieved "
          "policy.\n"
          "- Reply with JSON {\"reply\": string, \"tool_calls\": [...]} and nothing else.\n"
          "- Escalate to a human when unsure.\n\n"
        + prose(rng, static_cast<std::size_t>(rng.range(1500, 6000)));
}

std::string TextFactory::retrievalDoc(SimRandom &rng, std::size_t bytes) const
{
    return "[policy/" + rng.hex(6) + ".md]\n" + prose(rng, bytes);
}

std::string TextFactory::toolName(SimRandom &rng) const
{
    return rng.pick(kTools);
}

std::string TextFactory::toolArgs(const std::string &tool, SimRandom &rng) const
{
    nlohmann::json j
        = {{"tool", tool}, {"customer_id", "C" + std::to_string(rng.range(10000, 99999))}};
    if (rng.chance(0.5))
        j["order_id"] = "O-" + rng.hex(8);
    if (rng.chance(0.3))
        j["query"] = rng.pick(kUser);
    return j.dump();
}

std::string TextFactory::toolResult(const std::string &tool, SimRandom &rng,
                                    std::size_t bytes) const
{
    nlohmann::json rows = nlohmann::json::array();
    std::size_t size = 0;
    while (size < bytes) {
        std::string note = prose(rng, static_cast<std::size_t>(rng.range(60, 240)));
        size += note.size() + 60;
        rows.push_back({{"id", rng.hex(8)},
                        {"amount", rng.range(1, 90000) / 100.0},
                        {"note", std::move(note)}});
    }
    return nlohmann::json({{"tool", tool}, {"ok", true}, {"rows", std::move(rows)}}).dump();
}

} // namespace switchboard::sim
