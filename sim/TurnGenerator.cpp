#include "sim/TurnGenerator.h"

#include "sim/ContractEncoder.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace switchboard::sim {

namespace {

class TreeBuilder
{
public:
    TreeBuilder(SessionState &s, SimRandom &rng, std::string traceId)
        : m_s(s)
        , m_rng(rng)
        , m_trace(std::move(traceId))
    { }

    // Adds a span under parent index (-1 = root) and returns its index.
    int add(int parent, const std::string &kind, const std::string &name, std::int64_t start,
            std::int64_t duration)
    {
        SpanData d;
        d.spanId = m_rng.hex(16);
        d.traceId = m_trace;
        d.sessionId = m_s.id;
        d.turn = m_s.turns;
        d.kind = kind;
        d.name = name;
        d.agent = m_s.agent;
        d.host = m_s.host;
        d.promptVersion = m_s.promptVersion;
        d.startedAt = start;
        d.durationMs = duration;
        const std::string stamp = ContractEncoder::pathElement(start, d.spanId);
        if (parent >= 0) {
            d.parentId = spans[static_cast<std::size_t>(parent)].spanId;
            d.depth = spans[static_cast<std::size_t>(parent)].depth + 1;
            d.path = spans[static_cast<std::size_t>(parent)].path + '.' + stamp;
        } else {
            d.path = stamp;
        }
        parents.push_back(parent);
        spans.push_back(std::move(d));
        return static_cast<int>(spans.size()) - 1;
    }
    SpanData &at(int i) { return spans[static_cast<std::size_t>(i)]; }

    // Subtree totals computed once here so a viewer never recurses at paint time.
    // Duration is the wall-clock extent of the subtree (first start to last end).
    void finish()
    {
        std::vector<std::int64_t> first(spans.size()), last(spans.size());
        for (std::size_t i = 0; i < spans.size(); ++i) {
            SpanData &d = spans[i];
            d.subtreeTokens = std::max<std::int64_t>(0, d.inputTokens)
                + std::max<std::int64_t>(0, d.outputTokens);
            d.subtreeErrors = d.status == "error" ? 1 : 0;
            first[i] = d.startedAt;
            last[i] = d.startedAt + d.durationMs;
        }
        for (std::size_t i = spans.size(); i-- > 0;) {
            const int p = parents[i];
            if (p < 0)
                continue;
            const auto pi = static_cast<std::size_t>(p);
            spans[pi].subtreeTokens += spans[i].subtreeTokens;
            spans[pi].subtreeErrors += spans[i].subtreeErrors;
            first[pi] = std::min(first[pi], first[i]);
            last[pi] = std::max(last[pi], last[i]);
        }
        for (std::size_t i = 0; i < spans.size(); ++i)
            spans[i].subtreeDurationMs = last[i] - first[i];
    }

    std::vector<SpanData> spans;
    std::vector<int> parents;

private:
    SessionState &m_s;
    SimRandom &m_rng;
    std::string m_trace;
};

std::int64_t contextTokens(const SessionState &s)
{
    std::int64_t n = 0;
    for (const Segment &g : s.segments)
        n += g.tokens;
    return n;
}

// The assembled prompt as the contract stores it (docs/contract.md, spans: input/output):
// a JSON array of {"role", "kind", "text"} in prompt order.
std::string renderPrompt(const SessionState &s)
{
    nlohmann::json out = nlohmann::json::array();
    for (const Segment &g : s.segments)
        out.push_back({{"role", g.role}, {"kind", g.kind}, {"text", g.text}});
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Segment segment(const char *kind, const char *role, std::string text)
{
    Segment g;
    g.kind = kind;
    g.role = role;
    g.tokens = TextFactory::tokensFor(text.size());
    g.text = std::move(text);
    return g;
}

} // namespace

TurnResult TurnGenerator::run(SessionState &s, std::int64_t startMs, const TurnRisk &risk,
                              SimRandom &rng, const std::string &systemPrompt) const
{
    ++s.turns;
    if (s.segments.empty())
        s.segments.push_back(segment("system", "system", systemPrompt));
    TurnResult res;
    TreeBuilder t(s, rng, rng.hex(32));
    std::int64_t now = startMs;
    const std::string user = m_text.userMessage(rng);
    const int root = t.add(-1, "turn", "turn " + std::to_string(s.turns), startMs, 0);
    t.at(root).input = user;
    s.segments.push_back(segment("message", "user", user));

    auto event = [&](int span, const char *kind, const char *strategy, bool recoverable, bool ok,
                     int attempt, const std::string &message, nlohmann::json detail) {
        RecoveryEvent e;
        e.at = t.at(span).startedAt + t.at(span).durationMs;
        e.session = s.id;
        e.agent = s.agent;
        e.host = s.host;
        e.kind = kind;
        e.strategy = strategy;
        e.recoverable = recoverable;
        e.outcome = ok ? "recovered" : "failed";
        e.attempt = attempt;
        e.traceId = t.at(span).traceId;
        e.spanId = t.at(span).spanId;
        e.message = message;
        e.detailJson = detail.dump();
        res.events.push_back(std::move(e));
        ++s.recoveryCount;
    };

    // Retrieval: policy documents injected into the context; now and then a huge one.
    if (rng.chance(0.4) || rng.chance(risk.overflow)) {
        const bool huge = rng.chance(risk.overflow * 20);
        const auto bytes = static_cast<std::size_t>(huge ? s.ctxLimit * 5
                                                         : rng.logNormalInt(2500, 0.6, 300, 20000));
        const std::int64_t d = rng.logNormalInt(120, 0.5, 10, 3000);
        const int r = t.add(root, "retrieval", "search_policies", now, d);
        t.at(r).input = nlohmann::json({{"query", user}, {"k", 4}}).dump();
        t.at(r).output = m_text.retrievalDoc(rng, bytes);
        t.at(r).attrsJson = nlohmann::json({{"retrieval.documents", 4}}).dump();
        s.segments.push_back(segment("retrieval", "tool", t.at(r).output));
        now += d;
    }

    // Summarise at 70 %; past 100 % that is a context_overflow recovery.
    std::int64_t ctx = contextTokens(s);
    if (ctx > s.ctxLimit * 7 / 10) {
        const bool overflow = ctx > s.ctxLimit;
        const std::int64_t d = rng.logNormalInt(1800, 0.4, 200, 20000);
        const int sm = t.add(root, "summarize", "summarize history", now, d);
        t.at(sm).model = s.model;
        t.at(sm).inputTokens = ctx;
        const std::string summary = "Summary of the conversation so far: "
            + m_text.prose(rng, static_cast<std::size_t>(s.ctxLimit / 3));
        t.at(sm).outputTokens = TextFactory::tokensFor(summary.size());
        t.at(sm).input
            = nlohmann::json({{"segments", s.segments.size()}, {"ctx_tokens", ctx}}).dump();
        t.at(sm).output = summary;
        std::vector<Segment> kept {s.segments.front(), segment("summary", "system", summary),
                                   s.segments.back()};
        if (kept.back().tokens > s.ctxLimit / 2) {
            // The new material alone does not fit: cut it, the answer will be worse.
            kept.back().text.resize(static_cast<std::size_t>(s.ctxLimit));
            kept.back().tokens = TextFactory::tokensFor(kept.back().text.size());
        }
        s.segments = std::move(kept);
        ++s.summaries;
        if (overflow) {
            const bool ok = rng.chance(risk.recoverOk);
            if (!ok) {
                t.at(sm).status = "error";
                t.at(sm).error = "context still over the window after summarising";
                t.at(sm).errorType = "context_overflow";
            }
            event(sm, "context_overflow", "summarize", true, ok, 1,
                  "context " + std::to_string(ctx) + " tokens over the "
                      + std::to_string(s.ctxLimit) + "-token window",
                  {{"ctx_tokens", ctx},
                   {"ctx_limit", s.ctxLimit},
                   {"after_tokens", contextTokens(s)}});
            s.failed = s.failed || !ok;
        }
        now += d;
        ctx = contextTokens(s);
    }

    const std::string prompt = renderPrompt(s);
    const int pr = t.add(root, "prompt", "render prompt v" + std::to_string(s.promptVersion), now,
                         rng.range(1, 8));
    t.at(pr).input = nlohmann::json({{"template", s.agent + "@v" + std::to_string(s.promptVersion)},
                                     {"segments", s.segments.size()}})
                         .dump();
    t.at(pr).output = prompt;
    now += t.at(pr).durationMs;
    const std::string promptSpanId = t.at(pr).spanId;
    const std::int64_t systemTokens = s.segments.front().tokens;

    // One model call; returns its span index.
    auto llm = [&](int parent, const std::string &model, std::int64_t at, bool error,
                   const char *errorType, const std::string &errorText) {
        const std::int64_t ttft = rng.logNormalInt(450, 0.5, 80, 15000);
        const std::int64_t outTok = rng.logNormalInt(160, 0.7, 5, 1500);
        const std::int64_t dur = ttft + outTok * rng.range(12, 30);
        const int i = t.add(parent, "llm", "chat " + model, at, dur);
        SpanData &d = t.at(i);
        d.model = model;
        d.firstTokenAt = at + ttft;
        d.inputTokens = ctx;
        d.outputTokens = outTok;
        const bool cached = s.turns > 1 && rng.chance(0.8);
        d.cacheReadTokens = cached ? systemTokens : 0;
        d.cacheWriteTokens = cached ? 0 : systemTokens;
        // The full text lives once, on the prompt span; the call refers to it.
        d.input
            = nlohmann::json({{"prompt_span_id", promptSpanId}, {"messages", s.segments.size()}})
                  .dump();
        d.output = error && std::string(errorType) == "invalid_json"
            ? "{\"reply\": \"" + m_text.prose(rng, 120) + "\", \"tool_calls\": [{\"name\": "
            : nlohmann::json(
                  {{"reply", m_text.assistantReply(rng, static_cast<std::size_t>(outTok * 4))}})
                  .dump();
        if (error) {
            d.status = "error";
            d.errorType = errorType;
            d.error = errorText;
        }
        nlohmann::json attrs
            = {{"gen_ai.operation.name", "chat"},
               {"gen_ai.system", model.rfind("gpt", 0) == 0 ? "openai" : "self-hosted"},
               {"gen_ai.request.model", model},
               {"gen_ai.response.model", model},
               {"gen_ai.usage.input_tokens", d.inputTokens},
               {"gen_ai.usage.output_tokens", d.outputTokens}};
        if (error)
            attrs["error.type"] = errorType;
        d.attrsJson = attrs.dump();
        return i;
    };

    // First call, with the failure modes an agent recovers from.
    int last = -1;
    if (rng.chance(risk.invalidJson)) {
        last = llm(root, s.model, now, true, "invalid_json",
                   "model output is not valid JSON: unexpected end of input");
        now += t.at(last).durationMs;
        const bool ok = rng.chance(risk.recoverOk);
        const int retry = t.add(root, "retry", "retry with stricter prompt", now, 0);
        const int again
            = llm(retry, s.model, now, !ok, "invalid_json", "retry still not valid JSON");
        t.at(retry).durationMs = t.at(again).durationMs;
        t.at(retry).status = ok ? "ok" : "error";
        now += t.at(again).durationMs;
        event(
            last, "invalid_json", "stricter_prompt_retry", true, ok, 2,
            "model returned invalid JSON; retried with a stricter prompt",
            {{"excerpt", t.at(last).output.substr(0, 80)}, {"retry_span_id", t.at(again).spanId}});
        s.failed = s.failed || !ok;
    } else if (rng.chance(risk.timeout + risk.rateLimited)) {
        const bool timeout = rng.chance(risk.timeout / (risk.timeout + risk.rateLimited));
        const int f = llm(root, s.model, now, true, timeout ? "model_timeout" : "rate_limited",
                          timeout ? "request timed out after 30000 ms" : "429 Too Many Requests");
        t.at(f).durationMs = timeout ? 30000 : rng.range(50, 400);
        t.at(f).outputTokens = 0;
        now += t.at(f).durationMs;
        const bool ok = rng.chance(risk.recoverOk);
        last = llm(root, "gpt-4o-mini-2024-07-18", now, !ok, "provider_error",
                   "fallback model failed too");
        now += t.at(last).durationMs;
        event(f, timeout ? "model_timeout" : "rate_limited", "fallback_model", true, ok, 1,
              timeout ? "primary model timed out; used the fallback model"
                      : "rate limited; used the fallback model",
              {{"fallback_model", "gpt-4o-mini-2024-07-18"}});
        s.failed = s.failed || !ok;
    } else if (rng.chance(risk.providerError)) {
        last = llm(root, s.model, now, true, "provider_error", "502 Bad Gateway from provider");
        now += t.at(last).durationMs;
        event(last, "provider_error", "abort", false, false, 1, "provider error; turn aborted",
              {{"status", 502}});
        s.failed = true;
    } else {
        last = llm(root, s.model, now, false, "", "");
        now += t.at(last).durationMs;
    }

    // Tool calls the model asked for; results go into the context.
    const int tools = static_cast<int>(rng.range(0, 2));
    for (int k = 0; k < tools; ++k) {
        const std::string tool = m_text.toolName(rng);
        const std::int64_t d = rng.logNormalInt(250, 0.8, 5, 20000);
        const int ti = t.add(root, "tool", tool, now, d);
        t.at(ti).input = m_text.toolArgs(tool, rng);
        const bool veryLarge = rng.chance(0.01);
        t.at(ti).attrsJson = nlohmann::json({{"gen_ai.tool.name", tool},
                                             {"gen_ai.tool.call.id", "call_" + rng.hex(12)}})
                                 .dump();
        now += d;
        if (rng.chance(risk.toolError)) {
            t.at(ti).status = "error";
            t.at(ti).errorType = "ToolError";
            t.at(ti).error = tool + ": upstream returned 503";
            t.at(ti).output = "{\"error\": \"503 Service Unavailable\"}";
            const bool ok = rng.chance(risk.recoverOk);
            event(ti, "tool_error", ok ? "alternative_tool" : "ask_user", true, ok, 1,
                  tool + " failed: 503", {{"tool", tool}, {"alternative", ok ? "search_kb" : ""}});
            continue;
        }
        t.at(ti).output = m_text.toolResult(
            tool, rng,
            static_cast<std::size_t>(veryLarge ? 300000 : rng.logNormalInt(1500, 0.9, 100, 30000)));
        s.segments.push_back(segment("tool_result", "tool", t.at(ti).output));
    }
    if (tools > 0) {
        ctx = contextTokens(s);
        last = llm(root, s.model, now, false, "", "");
        now += t.at(last).durationMs;
    }

    const std::string reply = m_text.assistantReply(
        rng, static_cast<std::size_t>(rng.logNormalInt(300, 0.6, 40, 3000)));
    const int out = t.add(root, "output", "reply", now, rng.range(1, 5));
    t.at(out).input = t.at(last).output.substr(0, 2000);
    t.at(out).output = reply;
    now += t.at(out).durationMs;
    s.segments.push_back(segment("message", "assistant", reply));

    t.at(root).output = reply;
    t.at(root).durationMs = now - startMs;
    t.at(root).attrsJson
        = nlohmann::json({{"session.turn", s.turns}, {"user.channel", s.channel}}).dump();
    t.finish();

    // The fill level is the latest model call's input (cache included), not a sum.
    s.ctxTokens = t.at(last).inputTokens;
    s.maxFillPct = std::max(
        s.maxFillPct, 100.0 * static_cast<double>(s.ctxTokens) / static_cast<double>(s.ctxLimit));
    s.updatedAt = now;
    res.spans = std::move(t.spans);
    res.endMs = now;
    return res;
}

} // namespace switchboard::sim
