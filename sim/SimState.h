#pragma once
// The simulator's own view of the fleet: plain values the generators evolve tick by
// tick. ContractEncoder.cpp is the only place that turns them into contract records.
#include <cstdint>
#include <string>
#include <vector>

namespace switchboard::sim {

struct ProcState
{
    std::string host, app, layer, ns = "default", status = "online", execMode = "fork";
    std::string version = "1.4.2";
    int pmId = 0, pid = 0, instances = 1, restarts = 0, unstableRestarts = 0;
    std::int64_t startedAt = 0, heartbeatAt = 0;
    double cpu = 0;
    std::int64_t memory = 0;
    std::int64_t heartbeatMs = 5000;
    bool crashLoop = false;
    std::string member() const { return host + ':' + app + ':' + std::to_string(pmId); }
};

struct ProcEvent
{
    std::string host, app, event, detail;
    int pmId = 0;
    std::int64_t at = 0;
};

struct Segment
{
    std::string kind, role, text;
    std::int64_t tokens = 0;
};

struct SessionState
{
    std::string id, agent, layer, channel, host, model, state = "active";
    std::int64_t startedAt = 0, updatedAt = 0, endedAt = 0;
    int turns = 0, plannedTurns = 0, summaries = 0, promptVersion = 1;
    std::int64_t ctxTokens = 0, ctxLimit = 0;
    double maxFillPct = 0;
    int recoveryCount = 0;
    bool failed = false;
    std::vector<Segment> segments;
};

struct RecoveryEvent
{
    std::int64_t at = 0;
    std::string session, agent, host, kind, strategy, outcome, traceId, spanId, message;
    std::string detailJson;
    bool recoverable = true;
    int attempt = 1;
};

struct SpanData
{
    std::string spanId, traceId, parentId, sessionId, kind, name, agent, host, model;
    int turn = 0, promptVersion = 0, depth = 0;
    std::int64_t startedAt = 0, durationMs = 0, firstTokenAt = 0;
    std::int64_t inputTokens = -1, outputTokens = -1, cacheReadTokens = -1, cacheWriteTokens = -1;
    std::string status = "ok", error, errorType, path, attrsJson, input, output;
    std::int64_t subtreeTokens = 0, subtreeErrors = 0, subtreeDurationMs = 0;
};

struct PromptVersion
{
    std::string agent, body, model, paramsJson, createdBy, note, evalSuite;
    int version = 0;
    std::int64_t createdAt = 0;
    double evalScore = 0;
    bool evalPassed = true;
};

struct PromptDeployment
{
    std::string agent, deployedBy, kind = "deploy", reason;
    int version = 0, previousVersion = 0;
    std::int64_t deployedAt = 0, id = 0, previousDeploymentId = 0;
    std::string model;
};

} // namespace switchboard::sim
