#include "sim/ContractEncoder.h"

#include "core/contract/ActivePrompt.h"
#include "core/contract/ContextComposition.h"
#include "core/contract/ProcessEvent.h"
#include "core/contract/ProcessRecord.h"
#include "core/contract/PromptDeployment.h"
#include "core/contract/PromptVersion.h"
#include "core/contract/RecoveryEvent.h"
#include "core/contract/SessionRecord.h"
#include "core/contract/SessionSummary.h"
#include "core/contract/Span.h"
#include "core/contract/Timestamp.h"

#include <nlohmann/json.hpp>

// Every record goes through core/contract's structs and their toFields()/toBytes(), so
// the simulator cannot write a shape the console's parsers do not know.

namespace switchboard::sim {

namespace {

using W = FieldWriter::Target;

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}
std::string s(const QByteArray &b)
{
    return std::string(b.constData(), static_cast<std::size_t>(b.size()));
}

FieldList toList(const RecordFields &rf)
{
    FieldList out;
    out.reserve(rf.entries().size());
    for (const auto &kv : rf.entries()) {
        // A NULL serial id is left to the column default.
        if (kv.first == "id" && !kv.second)
            continue;
        out.emplace_back(s(kv.first),
                         kv.second ? std::optional<std::string>(s(*kv.second)) : std::nullopt);
    }
    return out;
}

nlohmann::json json(const std::string &text)
{
    if (text.empty())
        return nullptr;
    return nlohmann::json::parse(text, nullptr, false);
}

template<class E> E enumOf(const std::string &text, E fallback)
{
    return enumFromText<E>(QByteArray::fromStdString(text)).value_or(fallback);
}

std::optional<qint64> opt(std::int64_t v)
{
    return v < 0 ? std::nullopt : std::optional<qint64>(v);
}
std::optional<qint64> optTime(std::int64_t v)
{
    return v <= 0 ? std::nullopt : std::optional<qint64>(v);
}

} // namespace

std::string ContractEncoder::procKey(const ProcState &p) const
{
    return s(m_keys.proc(q(p.host), q(p.app), p.pmId));
}
std::string ContractEncoder::procsKey() const
{
    return s(m_keys.procs());
}
std::string ContractEncoder::procEventsKey() const
{
    return s(m_keys.procEvents());
}
std::string ContractEncoder::sessionKey(const std::string &id) const
{
    return s(m_keys.session(q(id)));
}
std::string ContractEncoder::sessionsKey() const
{
    return s(m_keys.sessions());
}
std::string ContractEncoder::sessionCtxKey(const std::string &id) const
{
    return s(m_keys.sessionCtx(q(id)));
}
std::string ContractEncoder::recoveryEventsKey() const
{
    return s(m_keys.recoveryEvents());
}
std::string ContractEncoder::promptKey(const std::string &agent) const
{
    return s(m_keys.prompt(q(agent)));
}
std::string ContractEncoder::promptActivatedChannel() const
{
    return s(m_keys.promptActivated());
}

FieldList ContractEncoder::procFields(const ProcState &p)
{
    ProcessRecord r;
    r.host = q(p.host);
    r.app = q(p.app);
    r.pmId = p.pmId;
    r.pid = p.pid;
    r.layer = q(p.layer);
    r.pmNamespace = q(p.ns);
    r.status = enumOf(p.status, ProcessStatus::Online);
    r.execMode = p.execMode == "cluster" ? ExecMode::Cluster : ExecMode::Fork;
    r.instances = p.instances;
    r.restarts = p.restarts;
    r.unstableRestarts = p.unstableRestarts;
    r.startedAt = p.startedAt;
    r.cpu = static_cast<double>(static_cast<std::int64_t>(p.cpu * 10)) / 10.0;
    r.memory = p.memory;
    r.version = q(p.version);
    r.heartbeatAt = p.heartbeatAt;
    r.heartbeatMs = p.heartbeatMs;
    return toList(r.toFields(W::Redis));
}

static ProcessEvent contractEvent(const switchboard::sim::ProcEvent &e)
{
    ProcessEvent r;
    r.host = q(e.host);
    r.app = q(e.app);
    r.pmId = e.pmId;
    r.event = enumOf(e.event, ProcessEventKind::Online);
    r.detail = e.detail.empty() ? nlohmann::json(nullptr) : nlohmann::json({{"message", e.detail}});
    r.at = e.at;
    return r;
}

FieldList ContractEncoder::procEventFields(const ProcEvent &e)
{
    return toList(contractEvent(e).toFields(W::Redis));
}

FieldList ContractEncoder::processEventRow(const ProcEvent &e, const std::string &streamId)
{
    ProcessEvent r = contractEvent(e);
    r.streamId = q(streamId);
    return toList(r.toFields(W::Postgres));
}

FieldList ContractEncoder::sessionFields(const SessionState &st)
{
    SessionRecord r;
    r.agent = q(st.agent);
    r.layer = q(st.layer);
    r.channel = q(st.channel);
    r.host = q(st.host);
    r.startedAt = st.startedAt;
    r.updatedAt = st.updatedAt;
    r.turns = st.turns;
    r.ctxTokens = st.ctxTokens;
    r.ctxLimit = st.ctxLimit;
    r.summaries = st.summaries;
    r.model = q(st.model);
    r.promptVersion = st.promptVersion;
    r.state = enumOf(st.state, ::switchboard::SessionState::Active);
    return toList(r.toFields(W::Redis));
}

std::string ContractEncoder::contextJson(const SessionState &st)
{
    ContextComposition c;
    c.sessionId = q(st.id);
    c.limit = st.ctxLimit;
    c.model = q(st.model);
    c.updatedAt = st.updatedAt;
    for (const Segment &g : st.segments) {
        ContextSegment seg;
        seg.kind = enumOf(g.kind, SegmentKind::Message);
        seg.role = q(g.role);
        seg.tokens = g.tokens;
        seg.text = q(g.text);
        c.segments.append(seg);
    }
    return s(c.toBytes());
}

static switchboard::RecoveryEvent contractRecovery(const switchboard::sim::RecoveryEvent &e)
{
    switchboard::RecoveryEvent r;
    r.at = e.at;
    r.sessionId = q(e.session);
    r.agent = q(e.agent);
    r.host = q(e.host);
    r.kind = enumOf(e.kind, RecoveryKind::Other);
    r.recoverable = e.recoverable;
    r.strategy = enumOf(e.strategy, RecoveryStrategy::Abort);
    r.outcome = enumOf(e.outcome, RecoveryOutcome::InProgress);
    r.attempt = e.attempt;
    r.traceId = q(e.traceId);
    r.spanId = q(e.spanId);
    r.message = q(e.message);
    r.detail = json(e.detailJson);
    return r;
}

FieldList ContractEncoder::recoveryEventFields(const RecoveryEvent &e)
{
    return toList(contractRecovery(e).toFields(W::Redis));
}

FieldList ContractEncoder::recoveryRow(const RecoveryEvent &e, const std::string &streamId)
{
    switchboard::RecoveryEvent r = contractRecovery(e);
    r.streamId = q(streamId);
    return toList(r.toFields(W::Postgres));
}

static ActivePrompt contractActive(const switchboard::sim::PromptDeployment &d)
{
    ActivePrompt a;
    a.agent = q(d.agent);
    a.version = d.version;
    a.model = q(d.model);
    a.deploymentId = d.id;
    a.deployedAt = d.deployedAt;
    return a;
}

FieldList ContractEncoder::activePromptFields(const PromptDeployment &d)
{
    return toList(contractActive(d).toFields(W::Redis));
}

std::string ContractEncoder::promptActivatedJson(const PromptDeployment &d)
{
    return s(contractActive(d).toActivationMessage());
}

std::string ContractEncoder::pathElement(std::int64_t startedAtMs, const std::string &spanId)
{
    return Span::pathElement(startedAtMs, q(spanId)).toStdString();
}

FieldList ContractEncoder::spanRow(const SpanData &d)
{
    Span r;
    r.spanId = q(d.spanId);
    r.traceId = q(d.traceId);
    r.parentId = q(d.parentId);
    r.sessionId = q(d.sessionId);
    r.turn = d.turn;
    r.kind = enumOf(d.kind, SpanKind::Turn);
    r.name = q(d.name);
    r.agent = q(d.agent);
    r.host = q(d.host);
    r.model = q(d.model);
    r.promptVersion = d.promptVersion > 0 ? std::optional<qint64>(d.promptVersion) : std::nullopt;
    r.startedAt = d.startedAt;
    r.durationMs = static_cast<double>(d.durationMs);
    r.firstTokenAt = optTime(d.firstTokenAt);
    r.inputTokens = opt(d.inputTokens);
    r.outputTokens = opt(d.outputTokens);
    r.cacheReadTokens = opt(d.cacheReadTokens);
    r.cacheWriteTokens = opt(d.cacheWriteTokens);
    r.status = enumOf(d.status, SpanStatus::Ok);
    r.error = q(d.error);
    r.errorType = q(d.errorType);
    r.path = q(d.path);
    r.depth = d.depth;
    r.subtreeTokens = d.subtreeTokens;
    r.subtreeErrors = d.subtreeErrors;
    r.subtreeDurationMs = static_cast<double>(d.subtreeDurationMs);
    r.attrs = d.attrsJson.empty() ? nlohmann::json::object() : json(d.attrsJson);
    r.input = q(d.input);
    r.output = q(d.output);
    r.inputBytes = static_cast<qint64>(d.input.size());
    r.outputBytes = static_cast<qint64>(d.output.size());
    return toList(r.toFields(W::Postgres));
}

FieldList ContractEncoder::sessionSummaryRow(const SessionState &st)
{
    SessionSummary r;
    r.sessionId = q(st.id);
    r.agent = q(st.agent);
    r.layer = q(st.layer);
    r.channel = q(st.channel);
    r.host = q(st.host);
    r.startedAt = st.startedAt;
    r.endedAt = optTime(st.endedAt);
    r.turns = st.turns;
    r.outcome = st.failed ? SessionOutcome::Failed : SessionOutcome::Completed;
    r.maxFillPct = static_cast<double>(static_cast<std::int64_t>(st.maxFillPct * 100)) / 100.0;
    r.hadRecoveryEvents = st.recoveryCount > 0;
    r.recoveryEventCount = st.recoveryCount;
    r.promptVersion = st.promptVersion;
    r.model = q(st.model);
    return toList(r.toFields(W::Postgres));
}

FieldList ContractEncoder::promptVersionRow(const PromptVersion &v)
{
    switchboard::PromptVersion r;
    r.agent = q(v.agent);
    r.version = v.version;
    r.body = q(v.body);
    r.model = q(v.model);
    r.params = json(v.paramsJson);
    r.createdAt = v.createdAt;
    r.createdBy = q(v.createdBy);
    r.note = q(v.note);
    r.evalSuite = q(v.evalSuite);
    r.evalScore = v.evalScore;
    r.evalPassed = v.evalPassed;
    return toList(r.toFields(W::Postgres));
}

FieldList ContractEncoder::deploymentRow(const PromptDeployment &d)
{
    switchboard::PromptDeployment r;
    r.id = d.id;
    r.agent = q(d.agent);
    r.version = d.version;
    r.deployedAt = d.deployedAt;
    r.deployedBy = q(d.deployedBy);
    r.kind = d.kind == "rollback" ? DeploymentKind::Rollback : DeploymentKind::Deploy;
    r.reason = q(d.reason);
    r.previousVersion
        = d.previousVersion > 0 ? std::optional<qint64>(d.previousVersion) : std::nullopt;
    r.previousDeploymentId
        = d.previousDeploymentId > 0 ? std::optional<qint64>(d.previousDeploymentId) : std::nullopt;
    FieldList out = toList(r.toFields(W::Postgres));
    // notified_at comes from the view over prompt_notifications, not this table; db_role is
    // stamped by the server (migration 002's trigger), whatever a writer sends.
    for (auto it = out.begin(); it != out.end();) {
        if (it->first == "notified_at" || it->first == "db_role")
            it = out.erase(it);
        else
            ++it;
    }
    return out;
}

FieldList ContractEncoder::notificationRow(const PromptDeployment &d)
{
    // No contract struct for this append-only table: columns per 001_initial.sql.
    return {{"deployment_id", std::to_string(d.id)},
            {"notified_at", s(timestamp::toTimestamptz(d.deployedAt + 150))},
            {"notified_by", std::string("switchboard-sim")}};
}

} // namespace switchboard::sim
