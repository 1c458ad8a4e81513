#pragma once
// One alert of the console's alert list: a rule's verdict on one subject (a session, an
// agent, an agent x kind, a host, a process, a deployment, a command). Its key is stable
// (rule + subject), so a start, an escalation, a resolve and an acknowledgement from
// another console all name the same alert. Plain values, no I/O.
#include <QMetaType>
#include <QString>

namespace switchboard {

enum class AlertRule : quint8 {
    ContextFill, // a session's context fill at or above the warning / critical level
    FailureRate, // recovery failures per model call of one agent over the window
    FailureRateKind, // the same, for one agent x recovery kind
    Unrecoverable, // any event with recoverable = 0 in the window
    HostSilent, // every instance's heartbeat older than 3 x heartbeat_ms
    CrashLoop, // restarts grew by >= N in M minutes, `errored`, or `restart_overlimit`
    DeploymentNotNotified, // a deployment no agent was told about after N seconds
    CommandUnanswered, // an operator command the bridge never answered
};
constexpr int kAlertRuleCount = 8;

const char *alertRuleName(AlertRule rule); // "context-fill", … (the key's first part)
QString alertRuleTitle(AlertRule rule); // "Context fill", … (what the list shows)

enum class AlertSeverity : quint8 { Warning, Critical };

// Where one step from the alert goes: the view and what to select or filter there.
struct AlertEvidence
{
    enum class Target : quint8 { Session, Events, Host, Process, Deployment, Command };
    Target target = Target::Events;
    QString sessionId;
    QString agent;
    QString kind; // recovery kind, contract spelling ("tool_error")
    qint64 deploymentId = 0; // 0 = none known
    QString host;
    QString app;
    qint64 pmId = -1;
    QString commandId;
};

struct AlertAckState
{
    bool acknowledged = false;
    QString by; // OperatorIdentity of whoever acknowledged or snoozed
    qint64 atMs = 0; // Redis server time of the ack / snooze
    qint64 snoozedUntilMs = 0; // Redis server time; 0 = not snoozed
};

struct Alert
{
    QString key; // "<rule>:<subject>"
    AlertRule rule = AlertRule::ContextFill;
    AlertSeverity severity = AlertSeverity::Warning;
    bool firing = false;
    qint64 sinceMs = 0; // wall ms the current state began (start, or resolve)
    double value = 0; // the measured value, in the rule's unit
    double threshold = 0; // the level it was judged against (critical when critical)
    QString unit; // "%", "s", "restarts", "events"
    QString subject; // untrusted text: shown plain only
    QString detail; // one line: "12 failed of 80 model calls in 10 min"
    AlertEvidence evidence;
    AlertAckState ack;
};

QString alertKey(AlertRule rule, const QString &subject);

} // namespace switchboard

Q_DECLARE_METATYPE(switchboard::Alert)
Q_DECLARE_METATYPE(switchboard::AlertAckState)
