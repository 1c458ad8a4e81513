#pragma once
// Every enumerated value of the contract, with its text form. The text is what Redis and
// Postgres hold (and what the SQL CHECK constraints list); an unknown text is a bad record.
#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

namespace switchboard {

enum class ProcessStatus { Online, Launching, Stopping, Stopped, Errored };
enum class ExecMode { Fork, Cluster };
enum class ProcessEventKind { Online, Exit, Restart, Reload, Stop, Exception, RestartOverlimit };
enum class SessionState { Active, Idle, Summarizing, Ended };
enum class SegmentKind { System, Summary, Message, ToolResult, Retrieval };
enum class RecoveryKind {
    ToolError,
    ToolTimeout,
    InvalidJson,
    ContextOverflow,
    ModelTimeout,
    RateLimited,
    ProviderError,
    ContentFilter,
    Other
};
enum class RecoveryStrategy {
    AlternativeTool,
    StricterPromptRetry,
    Retry,
    Summarize,
    AskUser,
    FallbackModel,
    Abort
};
enum class RecoveryOutcome { Recovered, Failed, InProgress };
enum class ControlAction { Reload, Restart };
enum class ControlState { Received, Running, Succeeded, Failed, Expired, Rejected };
enum class SpanKind { Turn, Prompt, Llm, Tool, Retrieval, Summarize, Retry, Output };
enum class SpanStatus { Ok, Error, Cancelled };
enum class SessionOutcome { Active, Completed, Abandoned, Failed, Escalated };
enum class DeploymentKind { Deploy, Rollback };
enum class OperatorActionKind { Reload, Restart, Rollback, Renotify, Export, Deploy };
enum class OperatorOutcome { Requested, Succeeded, Failed, Refused };

// One table per enum: value <-> text. Specialised in Enums.cpp.
template<class E> struct EnumInfo
{
    static const std::pair<E, const char *> *table(int *count);
};

// Declared here, defined in Enums.cpp.
template<> const std::pair<ProcessStatus, const char *> *EnumInfo<ProcessStatus>::table(int *count);
template<> const std::pair<ExecMode, const char *> *EnumInfo<ExecMode>::table(int *count);
template<>
const std::pair<ProcessEventKind, const char *> *EnumInfo<ProcessEventKind>::table(int *count);
template<> const std::pair<SessionState, const char *> *EnumInfo<SessionState>::table(int *count);
template<> const std::pair<SegmentKind, const char *> *EnumInfo<SegmentKind>::table(int *count);
template<> const std::pair<RecoveryKind, const char *> *EnumInfo<RecoveryKind>::table(int *count);
template<>
const std::pair<RecoveryStrategy, const char *> *EnumInfo<RecoveryStrategy>::table(int *count);
template<>
const std::pair<RecoveryOutcome, const char *> *EnumInfo<RecoveryOutcome>::table(int *count);
template<> const std::pair<ControlAction, const char *> *EnumInfo<ControlAction>::table(int *count);
template<> const std::pair<ControlState, const char *> *EnumInfo<ControlState>::table(int *count);
template<> const std::pair<SpanKind, const char *> *EnumInfo<SpanKind>::table(int *count);
template<> const std::pair<SpanStatus, const char *> *EnumInfo<SpanStatus>::table(int *count);
template<>
const std::pair<SessionOutcome, const char *> *EnumInfo<SessionOutcome>::table(int *count);
template<>
const std::pair<DeploymentKind, const char *> *EnumInfo<DeploymentKind>::table(int *count);
template<>
const std::pair<OperatorActionKind, const char *> *EnumInfo<OperatorActionKind>::table(int *count);
template<>
const std::pair<OperatorOutcome, const char *> *EnumInfo<OperatorOutcome>::table(int *count);

template<class E> QString enumToText(E value)
{
    int n = 0;
    const auto *t = EnumInfo<E>::table(&n);
    for (int i = 0; i < n; ++i)
        if (t[i].first == value)
            return QString::fromLatin1(t[i].second);
    return {};
}

template<class E> std::optional<E> enumFromText(const QByteArray &text)
{
    int n = 0;
    const auto *t = EnumInfo<E>::table(&n);
    for (int i = 0; i < n; ++i)
        if (text == t[i].second)
            return t[i].first;
    return std::nullopt;
}

// "online|launching|stopping|stopped|errored", for messages and the docs test.
template<class E> QString enumAllowed()
{
    int n = 0;
    const auto *t = EnumInfo<E>::table(&n);
    QStringList out;
    for (int i = 0; i < n; ++i)
        out.append(QString::fromLatin1(t[i].second));
    return out.join(QLatin1Char('|'));
}

} // namespace switchboard
