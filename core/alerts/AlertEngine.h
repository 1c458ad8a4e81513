#pragma once
// The alert rules, judged in the console from what its features already read: the
// features hand observations in (sessions, recovery events, the process tree, process
// events, deployments, commands), the engine keeps the little history each rule needs
// and, on evaluate(), decides every alert's state. Pure logic: no I/O, no widgets; the
// time that decides (windows, silences, ages) comes from an injected Clock, and ages of
// records the writers stamped arrive already judged against the Redis server's clock.
#include "core/alerts/Alert.h"
#include "core/alerts/AlertRules.h"

#include <QHash>
#include <QList>
#include <QObject>

#include <deque>

namespace switchboard {

class Clock;

class AlertEngine : public QObject
{
    Q_OBJECT
public:
    explicit AlertEngine(AlertRules rules, const Clock *clock = nullptr, QObject *parent = nullptr);

    const AlertRules &rules() const { return m_rules; }
    void setRules(const AlertRules &rules); // re-judged on the next evaluate()

    // Sessions (the sessions feed). `turns` is the session's `turns` field: its growth is
    // the rate rules' denominator. A session first seen is a baseline, unless it started
    // within the rate window (startedAgeMs), when its turns so far count in full.
    void observeSession(const QString &id, const QString &agent, double fill, qint64 turns,
                        qint64 startedAgeMs, bool ended);
    void forgetSession(const QString &id);

    // Recovery events (the events tail). ageMs: Redis server time now - the event's `at`;
    // an event older than the window counts for nothing.
    void observeRecoveryEvent(const QString &agent, const QString &kind, bool recoverable,
                              bool failed, qint64 ageMs);
    // The agent's active deployment: the evidence of its rate alerts.
    void observeActiveDeployment(const QString &agent, qint64 deploymentId);

    // The process tree. newestHeartbeatAgeMs: server time - the newest instance's
    // heartbeat_at of the host; heartbeatMs its heartbeat_ms (the largest of the host's).
    void observeHost(const QString &host, qint64 newestHeartbeatAgeMs, qint64 heartbeatMs);
    void forgetHost(const QString &host);
    void observeProcess(const QString &host, const QString &app, qint64 pmId, qint64 restarts,
                        bool errored);
    void forgetProcess(const QString &host, const QString &app, qint64 pmId);
    // `N proc-events`: only restart_overlimit matters here.
    void observeRestartOverlimit(const QString &host, const QString &app, qint64 pmId,
                                 qint64 ageMs);

    // Deployments (the prompts feature): ageMs = server time - deployed_at.
    void observeDeployment(qint64 deploymentId, const QString &agent, qint64 ageMs, bool notified);

    // Operator commands (ProcessActions' progress): no answer from the bridge, then
    // (maybe) an answer after all.
    void observeCommandUnanswered(const QString &commandId, const QString &host, const QString &app,
                                  const QString &action);
    void observeCommandAnswered(const QString &commandId);

    // Acknowledgements and snoozes (shared through `N alert-acks`): the newest per key.
    void applyAck(const QString &key, const AlertAckState &ack);

    // Judges every rule now; emits alertStarted / alertEscalated / alertResolved for the
    // transitions and alertsChanged once when anything changed.
    void evaluate();

    // Firing alerts and those resolved within the last hour, in no particular order.
    QList<Alert> alerts() const;
    const Alert *alert(const QString &key) const;
    int firingCount() const;

Q_SIGNALS:
    void alertStarted(const switchboard::Alert &alert);
    void alertEscalated(const switchboard::Alert &alert); // warning -> critical
    void alertResolved(const switchboard::Alert &alert);
    void alertsChanged();

private:
    struct Verdict
    {
        AlertSeverity severity = AlertSeverity::Warning;
        double value = 0;
        double threshold = 0;
        QString unit;
        QString subject;
        QString detail;
        AlertEvidence evidence;
    };
    using Verdicts = QHash<QString, std::pair<AlertRule, Verdict>>;

    struct SessionState
    {
        QString agent;
        double fill = 0;
        qint64 turns = 0;
        bool ended = false;
    };
    struct Sample
    {
        qint64 atMs; // monotonic
        qint64 value;
    };
    struct Failure
    {
        qint64 atMs; // monotonic
        QString kind;
        bool failed;
        bool recoverable;
    };
    struct HostState
    {
        qint64 heartbeatAtMs; // monotonic
        qint64 heartbeatMs;
    };
    struct ProcessState
    {
        QString host, app;
        qint64 pmId = 0;
        std::deque<Sample> restarts;
        bool errored = false;
        qint64 overlimitAtMs = -1; // monotonic; -1 = never
    };
    struct DeploymentState
    {
        QString agent;
        qint64 deployedAtMs; // monotonic
        bool notified;
    };
    struct CommandState
    {
        QString host, app, action;
        qint64 sinceMs; // monotonic
    };

    qint64 now() const;
    void prune(qint64 now);
    void judgeSessions(Verdicts &out) const;
    void judgeRates(qint64 now, Verdicts &out) const;
    void judgeHosts(qint64 now, Verdicts &out) const;
    void judgeProcesses(qint64 now, Verdicts &out) const;
    void judgeDeployments(qint64 now, Verdicts &out) const;
    void judgeCommands(Verdicts &out) const;
    static QString processKey(const QString &host, const QString &app, qint64 pmId);

    AlertRules m_rules;
    const Clock *m_clock;
    QHash<QString, SessionState> m_sessions;
    QHash<QString, std::deque<Sample>> m_calls; // agent -> turn growth
    QHash<QString, std::deque<Failure>> m_failures; // agent -> events
    QHash<QString, qint64> m_activeDeployment; // agent -> deployment id
    QHash<QString, HostState> m_hosts;
    QHash<QString, ProcessState> m_processes;
    QHash<qint64, DeploymentState> m_deployments;
    QHash<QString, CommandState> m_commands;
    QHash<QString, AlertAckState> m_acks;
    QHash<QString, Alert> m_alerts;
};

} // namespace switchboard
