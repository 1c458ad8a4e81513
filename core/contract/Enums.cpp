#include "core/contract/Enums.h"

// The texts here must match docs/contract.md and the CHECK constraints in
// resources/sql/001_initial.sql; tst_contract_docs and tst_schema_contract check both.

namespace switchboard {

template<> const std::pair<ProcessStatus, const char *> *EnumInfo<ProcessStatus>::table(int *count)
{
    static const std::pair<ProcessStatus, const char *> t[] = {
        {ProcessStatus::Online, "online"},     {ProcessStatus::Launching, "launching"},
        {ProcessStatus::Stopping, "stopping"}, {ProcessStatus::Stopped, "stopped"},
        {ProcessStatus::Errored, "errored"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<> const std::pair<ExecMode, const char *> *EnumInfo<ExecMode>::table(int *count)
{
    static const std::pair<ExecMode, const char *> t[] = {
        {ExecMode::Fork, "fork"},
        {ExecMode::Cluster, "cluster"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<>
const std::pair<ProcessEventKind, const char *> *EnumInfo<ProcessEventKind>::table(int *count)
{
    static const std::pair<ProcessEventKind, const char *> t[] = {
        {ProcessEventKind::Online, "online"},
        {ProcessEventKind::Exit, "exit"},
        {ProcessEventKind::Restart, "restart"},
        {ProcessEventKind::Reload, "reload"},
        {ProcessEventKind::Stop, "stop"},
        {ProcessEventKind::Exception, "exception"},
        {ProcessEventKind::RestartOverlimit, "restart_overlimit"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<> const std::pair<SessionState, const char *> *EnumInfo<SessionState>::table(int *count)
{
    static const std::pair<SessionState, const char *> t[] = {
        {SessionState::Active, "active"},
        {SessionState::Idle, "idle"},
        {SessionState::Summarizing, "summarizing"},
        {SessionState::Ended, "ended"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<> const std::pair<SegmentKind, const char *> *EnumInfo<SegmentKind>::table(int *count)
{
    static const std::pair<SegmentKind, const char *> t[] = {
        {SegmentKind::System, "system"},       {SegmentKind::Summary, "summary"},
        {SegmentKind::Message, "message"},     {SegmentKind::ToolResult, "tool_result"},
        {SegmentKind::Retrieval, "retrieval"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<> const std::pair<RecoveryKind, const char *> *EnumInfo<RecoveryKind>::table(int *count)
{
    static const std::pair<RecoveryKind, const char *> t[] = {
        {RecoveryKind::ToolError, "tool_error"},
        {RecoveryKind::ToolTimeout, "tool_timeout"},
        {RecoveryKind::InvalidJson, "invalid_json"},
        {RecoveryKind::ContextOverflow, "context_overflow"},
        {RecoveryKind::ModelTimeout, "model_timeout"},
        {RecoveryKind::RateLimited, "rate_limited"},
        {RecoveryKind::ProviderError, "provider_error"},
        {RecoveryKind::ContentFilter, "content_filter"},
        {RecoveryKind::Other, "other"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<>
const std::pair<RecoveryStrategy, const char *> *EnumInfo<RecoveryStrategy>::table(int *count)
{
    static const std::pair<RecoveryStrategy, const char *> t[] = {
        {RecoveryStrategy::AlternativeTool, "alternative_tool"},
        {RecoveryStrategy::StricterPromptRetry, "stricter_prompt_retry"},
        {RecoveryStrategy::Retry, "retry"},
        {RecoveryStrategy::Summarize, "summarize"},
        {RecoveryStrategy::AskUser, "ask_user"},
        {RecoveryStrategy::FallbackModel, "fallback_model"},
        {RecoveryStrategy::Abort, "abort"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<>
const std::pair<RecoveryOutcome, const char *> *EnumInfo<RecoveryOutcome>::table(int *count)
{
    static const std::pair<RecoveryOutcome, const char *> t[] = {
        {RecoveryOutcome::Recovered, "recovered"},
        {RecoveryOutcome::Failed, "failed"},
        {RecoveryOutcome::InProgress, "in_progress"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<> const std::pair<ControlAction, const char *> *EnumInfo<ControlAction>::table(int *count)
{
    static const std::pair<ControlAction, const char *> t[] = {
        {ControlAction::Reload, "reload"},
        {ControlAction::Restart, "restart"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<> const std::pair<ControlState, const char *> *EnumInfo<ControlState>::table(int *count)
{
    static const std::pair<ControlState, const char *> t[] = {
        {ControlState::Received, "received"},   {ControlState::Running, "running"},
        {ControlState::Succeeded, "succeeded"}, {ControlState::Failed, "failed"},
        {ControlState::Expired, "expired"},     {ControlState::Rejected, "rejected"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<> const std::pair<SpanKind, const char *> *EnumInfo<SpanKind>::table(int *count)
{
    static const std::pair<SpanKind, const char *> t[] = {
        {SpanKind::Turn, "turn"},
        {SpanKind::Prompt, "prompt"},
        {SpanKind::Llm, "llm"},
        {SpanKind::Tool, "tool"},
        {SpanKind::Retrieval, "retrieval"},
        {SpanKind::Summarize, "summarize"},
        {SpanKind::Retry, "retry"},
        {SpanKind::Output, "output"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<> const std::pair<SpanStatus, const char *> *EnumInfo<SpanStatus>::table(int *count)
{
    static const std::pair<SpanStatus, const char *> t[] = {
        {SpanStatus::Ok, "ok"},
        {SpanStatus::Error, "error"},
        {SpanStatus::Cancelled, "cancelled"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<>
const std::pair<SessionOutcome, const char *> *EnumInfo<SessionOutcome>::table(int *count)
{
    static const std::pair<SessionOutcome, const char *> t[] = {
        {SessionOutcome::Active, "active"},       {SessionOutcome::Completed, "completed"},
        {SessionOutcome::Abandoned, "abandoned"}, {SessionOutcome::Failed, "failed"},
        {SessionOutcome::Escalated, "escalated"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<>
const std::pair<DeploymentKind, const char *> *EnumInfo<DeploymentKind>::table(int *count)
{
    static const std::pair<DeploymentKind, const char *> t[] = {
        {DeploymentKind::Deploy, "deploy"},
        {DeploymentKind::Rollback, "rollback"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<>
const std::pair<OperatorActionKind, const char *> *EnumInfo<OperatorActionKind>::table(int *count)
{
    static const std::pair<OperatorActionKind, const char *> t[] = {
        {OperatorActionKind::Reload, "reload"},     {OperatorActionKind::Restart, "restart"},
        {OperatorActionKind::Rollback, "rollback"}, {OperatorActionKind::Renotify, "renotify"},
        {OperatorActionKind::Export, "export"},     {OperatorActionKind::Deploy, "deploy"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

template<>
const std::pair<OperatorOutcome, const char *> *EnumInfo<OperatorOutcome>::table(int *count)
{
    static const std::pair<OperatorOutcome, const char *> t[] = {
        {OperatorOutcome::Requested, "requested"},
        {OperatorOutcome::Succeeded, "succeeded"},
        {OperatorOutcome::Failed, "failed"},
        {OperatorOutcome::Refused, "refused"},
    };
    *count = int(sizeof t / sizeof t[0]);
    return t;
}

} // namespace switchboard
