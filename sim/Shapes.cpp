#include "sim/Shapes.h"
#include "sim/SimClock.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace switchboard::sim {

namespace {
std::string num(std::int64_t v) { return std::to_string(v); }
std::string num(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}
std::optional<std::string> optNum(std::int64_t v)
{
    return v < 0 ? std::nullopt : std::optional<std::string>(num(v));
}
std::optional<std::string> optText(const std::string &s)
{
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
}
std::optional<std::string> optTime(std::int64_t ms)
{
    return ms <= 0 ? std::nullopt : std::optional<std::string>(pgTimestamp(ms));
}
} // namespace

FieldList Shapes::procFields(const ProcState &p)
{
    return {{"host", p.host},           {"app", p.app},
            {"pm_id", num(std::int64_t(p.pmId))}, {"pid", num(std::int64_t(p.pid))},
            {"layer", p.layer},         {"namespace", p.ns},
            {"status", p.status},       {"exec_mode", p.execMode},
            {"instances", num(std::int64_t(p.instances))},
            {"restarts", num(std::int64_t(p.restarts))},
            {"unstable_restarts", num(std::int64_t(p.unstableRestarts))},
            {"started_at", num(p.startedAt)}, {"cpu", num(p.cpu)},
            {"memory", num(p.memory)},  {"version", p.version},
            {"heartbeat_at", num(p.heartbeatAt)}};
}

FieldList Shapes::procEventFields(const ProcEvent &e)
{
    return {{"host", e.host}, {"app", e.app}, {"pm_id", num(std::int64_t(e.pmId))},
            {"event", e.event}, {"detail", e.detail}, {"at", num(e.at)}};
}

FieldList Shapes::sessionFields(const SessionState &s)
{
    return {{"agent", s.agent},
            {"layer", s.layer},
            {"channel", s.channel},
            {"host", s.host},
            {"started_at", num(s.startedAt)},
            {"updated_at", num(s.updatedAt)},
            {"turns", num(std::int64_t(s.turns))},
            {"ctx_tokens", num(s.ctxTokens)},
            {"ctx_limit", num(s.ctxLimit)},
            {"summaries", num(std::int64_t(s.summaries))},
            {"model", s.model},
            {"prompt_version", num(std::int64_t(s.promptVersion))},
            {"state", s.state}};
}

std::string Shapes::contextJson(const SessionState &s)
{
    nlohmann::json segs = nlohmann::json::array();
    for (const Segment &g : s.segments)
        segs.push_back({{"kind", g.kind}, {"role", g.role}, {"tokens", g.tokens}, {"text", g.text}});
    nlohmann::json j = {{"limit", s.ctxLimit}, {"segments", std::move(segs)}};
    return j.dump();
}

FieldList Shapes::eventFields(const RecoveryEvent &e)
{
    return {{"at", num(e.at)},           {"session", e.session},
            {"agent", e.agent},          {"host", e.host},
            {"kind", e.kind},            {"recoverable", e.recoverable ? "1" : "0"},
            {"strategy", e.strategy},    {"outcome", e.outcome},
            {"attempt", num(std::int64_t(e.attempt))},
            {"trace_id", e.traceId},     {"span_id", e.spanId},
            {"message", e.message},      {"detail", e.detailJson}};
}

FieldList Shapes::activePromptFields(const PromptDeployment &d)
{
    return {{"version", num(std::int64_t(d.version))}, {"model", d.model},
            {"deployment_id", num(d.id)}, {"deployed_at", num(d.deployedAt)}};
}

std::string Shapes::promptActivatedJson(const PromptDeployment &d)
{
    nlohmann::json j = {{"agent", d.agent},        {"version", d.version},
                        {"model", d.model},        {"deployment_id", d.id},
                        {"deployed_at", d.deployedAt}, {"kind", d.kind}};
    return j.dump();
}

FieldList Shapes::spanRow(const SpanData &s)
{
    return {{"span_id", s.spanId},
            {"trace_id", s.traceId},
            {"parent_id", optText(s.parentId)},
            {"session_id", s.sessionId},
            {"turn", num(std::int64_t(s.turn))},
            {"kind", s.kind},
            {"name", s.name},
            {"agent", s.agent},
            {"host", s.host},
            {"model", optText(s.model)},
            {"prompt_version", num(std::int64_t(s.promptVersion))},
            {"started_at", pgTimestamp(s.startedAt)},
            {"duration_ms", num(s.durationMs)},
            {"first_token_at", optTime(s.firstTokenAt)},
            {"input_tokens", optNum(s.inputTokens)},
            {"output_tokens", optNum(s.outputTokens)},
            {"cache_read_tokens", optNum(s.cacheReadTokens)},
            {"cache_write_tokens", optNum(s.cacheWriteTokens)},
            {"status", s.status},
            {"error", optText(s.error)},
            {"error_type", optText(s.errorType)},
            {"path", s.path},
            {"depth", num(std::int64_t(s.depth))},
            {"subtree_tokens", num(s.subtreeTokens)},
            {"subtree_errors", num(s.subtreeErrors)},
            {"subtree_duration_ms", num(s.subtreeDurationMs)},
            {"attrs", s.attrsJson.empty() ? std::string("{}") : s.attrsJson},
            {"input", s.input},
            {"output", s.output},
            {"input_bytes", num(std::int64_t(s.input.size()))},
            {"output_bytes", num(std::int64_t(s.output.size()))}};
}

FieldList Shapes::sessionSummaryRow(const SessionState &s)
{
    return {{"session_id", s.id},
            {"agent", s.agent},
            {"layer", s.layer},
            {"channel", s.channel},
            {"host", s.host},
            {"started_at", pgTimestamp(s.startedAt)},
            {"ended_at", optTime(s.endedAt)},
            {"turns", num(std::int64_t(s.turns))},
            {"outcome", s.failed ? "failed" : "completed"},
            {"max_fill_pct", num(s.maxFillPct)},
            {"had_recovery_events", s.recoveryCount > 0 ? "true" : "false"},
            {"recovery_event_count", num(std::int64_t(s.recoveryCount))},
            {"prompt_version", num(std::int64_t(s.promptVersion))},
            {"model", s.model}};
}

FieldList Shapes::recoveryRow(const RecoveryEvent &e, const std::string &streamId)
{
    return {{"at", pgTimestamp(e.at)},  {"session_id", e.session},
            {"agent", e.agent},         {"host", e.host},
            {"kind", e.kind},           {"recoverable", e.recoverable ? "true" : "false"},
            {"strategy", e.strategy},   {"outcome", e.outcome},
            {"attempt", num(std::int64_t(e.attempt))},
            {"trace_id", optText(e.traceId)}, {"span_id", optText(e.spanId)},
            {"message", e.message},     {"detail", e.detailJson},
            {"stream_id", streamId}};
}

FieldList Shapes::processEventRow(const ProcEvent &e)
{
    nlohmann::json detail = {{"detail", e.detail}};
    return {{"at", pgTimestamp(e.at)}, {"host", e.host}, {"app", e.app},
            {"pm_id", num(std::int64_t(e.pmId))}, {"event", e.event},
            {"detail", detail.dump()}};
}

FieldList Shapes::promptVersionRow(const PromptVersion &v)
{
    return {{"agent", v.agent},
            {"version", num(std::int64_t(v.version))},
            {"body", v.body},
            {"model", v.model},
            {"params", v.paramsJson},
            {"created_at", pgTimestamp(v.createdAt)},
            {"created_by", v.createdBy},
            {"note", v.note},
            {"eval_suite", v.evalSuite},
            {"eval_score", num(v.evalScore)},
            {"eval_passed", v.evalPassed ? "true" : "false"}};
}

FieldList Shapes::deploymentRow(const PromptDeployment &d)
{
    return {{"agent", d.agent},
            {"version", num(std::int64_t(d.version))},
            {"deployed_at", pgTimestamp(d.deployedAt)},
            {"deployed_by", d.deployedBy},
            {"kind", d.kind},
            {"reason", d.reason},
            {"previous_version", d.previousVersion > 0 ? std::optional<std::string>(num(std::int64_t(d.previousVersion))) : std::nullopt}};
}

} // namespace switchboard::sim
