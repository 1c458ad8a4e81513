#include "core/alerts/Alert.h"

namespace switchboard {

const char *alertRuleName(AlertRule rule)
{
    switch (rule) {
    case AlertRule::ContextFill:
        return "context-fill";
    case AlertRule::FailureRate:
        return "failure-rate";
    case AlertRule::FailureRateKind:
        return "failure-rate-kind";
    case AlertRule::Unrecoverable:
        return "unrecoverable";
    case AlertRule::HostSilent:
        return "host-silent";
    case AlertRule::CrashLoop:
        return "crash-loop";
    case AlertRule::DeploymentNotNotified:
        return "deployment-not-notified";
    case AlertRule::CommandUnanswered:
        return "command-unanswered";
    }
    return "unknown";
}

QString alertRuleTitle(AlertRule rule)
{
    switch (rule) {
    case AlertRule::ContextFill:
        return QStringLiteral("Context fill");
    case AlertRule::FailureRate:
        return QStringLiteral("Recovery failure rate");
    case AlertRule::FailureRateKind:
        return QStringLiteral("Recovery failure rate (kind)");
    case AlertRule::Unrecoverable:
        return QStringLiteral("Unrecoverable events");
    case AlertRule::HostSilent:
        return QStringLiteral("Host silent");
    case AlertRule::CrashLoop:
        return QStringLiteral("Crash loop");
    case AlertRule::DeploymentNotNotified:
        return QStringLiteral("Deployment not notified");
    case AlertRule::CommandUnanswered:
        return QStringLiteral("Command unanswered");
    }
    return QStringLiteral("Unknown");
}

QString alertKey(AlertRule rule, const QString &subject)
{
    return QLatin1String(alertRuleName(rule)) + QLatin1Char(':') + subject;
}

} // namespace switchboard
