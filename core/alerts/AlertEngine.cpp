#include "core/alerts/AlertEngine.h"

#include "core/util/Clock.h"

#include <QSet>

#include <algorithm>

namespace switchboard {

namespace {

constexpr qint64 kKeepResolvedMs = 3600 * 1000; // resolved alerts stay listed an hour
constexpr qint64 kKeepCommandMs = 3600 * 1000; // an unanswered command is forgotten after

QString percent(double ratio)
{
    return QString::number(ratio * 100.0, 'f', ratio < 0.1 ? 1 : 0) + QStringLiteral(" %");
}

QString minutes(qint64 seconds)
{
    return seconds % 60 == 0 ? QStringLiteral("%1 min").arg(seconds / 60)
                             : QStringLiteral("%1 s").arg(seconds);
}

} // namespace

AlertEngine::AlertEngine(AlertRules rules, const Clock *clock, QObject *parent)
    : QObject(parent)
    , m_rules(rules.sanitized())
    , m_clock(Clock::orSystem(clock))
{ }

void AlertEngine::setRules(const AlertRules &rules)
{
    m_rules = rules.sanitized();
}

qint64 AlertEngine::now() const
{
    return m_clock->monotonicMs();
}

QString AlertEngine::processKey(const QString &host, const QString &app, qint64 pmId)
{
    return host + QLatin1Char('/') + app + QLatin1Char('/') + QString::number(pmId);
}

void AlertEngine::observeSession(const QString &id, const QString &agent, double fill, qint64 turns,
                                 qint64 startedAgeMs, bool ended)
{
    const qint64 t = now();
    auto it = m_sessions.find(id);
    qint64 grown = 0;
    if (it == m_sessions.end()) {
        if (startedAgeMs >= 0 && startedAgeMs <= qint64(m_rules.rateWindowS) * 1000)
            grown = turns;
        it = m_sessions.insert(id, SessionState {});
    } else if (turns > it->turns && it->agent == agent) {
        grown = turns - it->turns;
    }
    it->agent = agent;
    it->fill = fill;
    it->turns = turns;
    it->ended = ended;
    if (grown > 0 && !agent.isEmpty())
        m_calls[agent].push_back({t, grown});
}

void AlertEngine::forgetSession(const QString &id)
{
    m_sessions.remove(id);
}

void AlertEngine::observeRecoveryEvent(const QString &agent, const QString &kind, bool recoverable,
                                       bool failed, qint64 ageMs)
{
    const qint64 window = qint64(m_rules.rateWindowS) * 1000;
    if (agent.isEmpty() || ageMs > window || (!failed && recoverable))
        return;
    m_failures[agent].push_back({now() - std::max<qint64>(ageMs, 0), kind, failed, recoverable});
}

void AlertEngine::observeActiveDeployment(const QString &agent, qint64 deploymentId)
{
    m_activeDeployment.insert(agent, deploymentId);
}

void AlertEngine::observeHost(const QString &host, qint64 newestHeartbeatAgeMs, qint64 heartbeatMs)
{
    m_hosts.insert(host, {now() - newestHeartbeatAgeMs, heartbeatMs > 0 ? heartbeatMs : 2000});
}

void AlertEngine::forgetHost(const QString &host)
{
    m_hosts.remove(host);
}

void AlertEngine::observeProcess(const QString &host, const QString &app, qint64 pmId,
                                 qint64 restarts, bool errored)
{
    ProcessState &p = m_processes[processKey(host, app, pmId)];
    p.host = host;
    p.app = app;
    p.pmId = pmId;
    p.errored = errored;
    if (!p.restarts.empty() && restarts < p.restarts.back().value)
        p.restarts.clear(); // `pm2 update` reset the counter: start over
    if (p.restarts.empty() || p.restarts.back().value != restarts)
        p.restarts.push_back({now(), restarts});
}

void AlertEngine::forgetProcess(const QString &host, const QString &app, qint64 pmId)
{
    m_processes.remove(processKey(host, app, pmId));
}

void AlertEngine::observeRestartOverlimit(const QString &host, const QString &app, qint64 pmId,
                                          qint64 ageMs)
{
    if (ageMs > qint64(m_rules.crashLoopWindowS) * 1000)
        return;
    ProcessState &p = m_processes[processKey(host, app, pmId)];
    p.host = host;
    p.app = app;
    p.pmId = pmId;
    p.overlimitAtMs = std::max(p.overlimitAtMs, now() - std::max<qint64>(ageMs, 0));
}

void AlertEngine::observeDeployment(qint64 deploymentId, const QString &agent, qint64 ageMs,
                                    bool notified)
{
    m_deployments.insert(deploymentId, {agent, now() - ageMs, notified});
}

void AlertEngine::observeCommandUnanswered(const QString &commandId, const QString &host,
                                           const QString &app, const QString &action)
{
    if (!m_commands.contains(commandId))
        m_commands.insert(commandId, {host, app, action, now()});
}

void AlertEngine::observeCommandAnswered(const QString &commandId)
{
    m_commands.remove(commandId);
}

void AlertEngine::applyAck(const QString &key, const AlertAckState &ack)
{
    m_acks.insert(key, ack);
    auto it = m_alerts.find(key);
    if (it != m_alerts.end()) {
        it->ack = ack;
        Q_EMIT alertsChanged();
    }
}

void AlertEngine::prune(qint64 t)
{
    const qint64 rateFrom = t - qint64(m_rules.rateWindowS) * 1000;
    for (auto it = m_calls.begin(); it != m_calls.end();) {
        while (!it->empty() && it->front().atMs < rateFrom)
            it->pop_front();
        it = it->empty() ? m_calls.erase(it) : std::next(it);
    }
    for (auto it = m_failures.begin(); it != m_failures.end();) {
        while (!it->empty() && it->front().atMs < rateFrom)
            it->pop_front();
        it = it->empty() ? m_failures.erase(it) : std::next(it);
    }
    // Keep one restart sample at or before the window's start: the baseline of growth.
    const qint64 loopFrom = t - qint64(m_rules.crashLoopWindowS) * 1000;
    for (ProcessState &p : m_processes) {
        while (p.restarts.size() > 1 && p.restarts[1].atMs <= loopFrom)
            p.restarts.pop_front();
    }
    for (auto it = m_commands.begin(); it != m_commands.end();)
        it = t - it->sinceMs > kKeepCommandMs ? m_commands.erase(it) : std::next(it);
}

void AlertEngine::judgeSessions(Verdicts &out) const
{
    if (!m_rules.fillEnabled)
        return;
    for (auto it = m_sessions.cbegin(); it != m_sessions.cend(); ++it) {
        if (it->ended || it->fill < m_rules.fillWarnAt)
            continue;
        Verdict v;
        const bool critical = it->fill >= m_rules.fillCriticalAt;
        v.severity = critical ? AlertSeverity::Critical : AlertSeverity::Warning;
        v.value = it->fill * 100.0;
        v.threshold = (critical ? m_rules.fillCriticalAt : m_rules.fillWarnAt) * 100.0;
        v.unit = QStringLiteral("%");
        v.subject = it.key();
        v.detail = QStringLiteral("context %1 full (agent %2)").arg(percent(it->fill), it->agent);
        v.evidence.target = AlertEvidence::Target::Session;
        v.evidence.sessionId = it.key();
        v.evidence.agent = it->agent;
        out.insert(alertKey(AlertRule::ContextFill, it.key()), {AlertRule::ContextFill, v});
    }
}

void AlertEngine::judgeRates(qint64 t, Verdicts &out) const
{
    Q_UNUSED(t);
    const QString window = minutes(m_rules.rateWindowS);
    for (auto it = m_failures.cbegin(); it != m_failures.cend(); ++it) {
        const QString &agent = it.key();
        qint64 calls = 0;
        if (auto c = m_calls.constFind(agent); c != m_calls.cend())
            for (const Sample &s : *c)
                calls += s.value;
        const qint64 deployment = m_activeDeployment.value(agent, 0);
        qint64 failed = 0;
        QHash<QString, qint64> failedByKind;
        QHash<QString, qint64> unrecoverableByKind;
        for (const Failure &f : *it) {
            if (f.failed) {
                ++failed;
                ++failedByKind[f.kind];
            }
            if (!f.recoverable)
                ++unrecoverableByKind[f.kind];
        }
        auto rateVerdict = [&](AlertRule rule, const QString &kind, qint64 n) {
            if (!m_rules.rateEnabled || calls < m_rules.rateMinCalls || n < m_rules.rateMinFailures)
                return;
            const double rate = double(n) / double(calls);
            if (rate < m_rules.rateWarnAt)
                return;
            Verdict v;
            const bool critical = rate >= m_rules.rateCriticalAt;
            v.severity = critical ? AlertSeverity::Critical : AlertSeverity::Warning;
            v.value = rate * 100.0;
            v.threshold = (critical ? m_rules.rateCriticalAt : m_rules.rateWarnAt) * 100.0;
            v.unit = QStringLiteral("%");
            v.subject = kind.isEmpty() ? agent : agent + QStringLiteral(" × ") + kind;
            v.detail = QStringLiteral("%1 failed recoveries per %2 turns in %3")
                           .arg(n)
                           .arg(calls)
                           .arg(window);
            v.evidence.target = AlertEvidence::Target::Events;
            v.evidence.agent = agent;
            v.evidence.kind = kind;
            v.evidence.deploymentId = deployment;
            out.insert(alertKey(rule, kind.isEmpty() ? agent : agent + QLatin1Char('/') + kind),
                       {rule, v});
        };
        rateVerdict(AlertRule::FailureRate, QString(), failed);
        if (m_rules.rateByKind)
            for (auto k = failedByKind.cbegin(); k != failedByKind.cend(); ++k)
                rateVerdict(AlertRule::FailureRateKind, k.key(), k.value());
        if (!m_rules.unrecoverableEnabled)
            continue;
        for (auto k = unrecoverableByKind.cbegin(); k != unrecoverableByKind.cend(); ++k) {
            Verdict v;
            v.severity = AlertSeverity::Critical;
            v.value = double(k.value());
            v.threshold = 1;
            v.unit = QStringLiteral("events");
            v.subject = agent + QStringLiteral(" × ") + k.key();
            v.detail = QStringLiteral("%1 unrecoverable in %2").arg(k.value()).arg(window);
            v.evidence.target = AlertEvidence::Target::Events;
            v.evidence.agent = agent;
            v.evidence.kind = k.key();
            v.evidence.deploymentId = deployment;
            out.insert(alertKey(AlertRule::Unrecoverable, agent + QLatin1Char('/') + k.key()),
                       {AlertRule::Unrecoverable, v});
        }
    }
}

void AlertEngine::judgeHosts(qint64 t, Verdicts &out) const
{
    if (!m_rules.hostSilentEnabled)
        return;
    for (auto it = m_hosts.cbegin(); it != m_hosts.cend(); ++it) {
        const qint64 silentMs = t - it->heartbeatAtMs;
        const double limit = m_rules.hostSilentFactor * double(it->heartbeatMs);
        if (double(silentMs) <= limit)
            continue;
        Verdict v;
        v.severity = AlertSeverity::Critical;
        v.value = double(silentMs) / 1000.0;
        v.threshold = limit / 1000.0;
        v.unit = QStringLiteral("s");
        v.subject = it.key();
        v.detail = QStringLiteral("no heartbeat from any instance for %1 s").arg(silentMs / 1000);
        v.evidence.target = AlertEvidence::Target::Host;
        v.evidence.host = it.key();
        out.insert(alertKey(AlertRule::HostSilent, it.key()), {AlertRule::HostSilent, v});
    }
}

void AlertEngine::judgeProcesses(qint64 t, Verdicts &out) const
{
    if (!m_rules.crashLoopEnabled)
        return;
    const qint64 windowMs = qint64(m_rules.crashLoopWindowS) * 1000;
    for (auto it = m_processes.cbegin(); it != m_processes.cend(); ++it) {
        const ProcessState &p = *it;
        const qint64 grown
            = p.restarts.empty() ? 0 : p.restarts.back().value - p.restarts.front().value;
        const bool looping = grown >= m_rules.crashLoopRestarts;
        const bool overlimit = p.overlimitAtMs >= 0 && t - p.overlimitAtMs <= windowMs;
        if (!looping && !overlimit && !p.errored)
            continue;
        Verdict v;
        v.severity = AlertSeverity::Critical;
        v.value = double(grown);
        v.threshold = m_rules.crashLoopRestarts;
        v.unit = QStringLiteral("restarts");
        v.subject = it.key();
        QStringList why;
        if (looping || grown > 0)
            why.append(QStringLiteral("%1 restarts in %2")
                           .arg(grown)
                           .arg(minutes(m_rules.crashLoopWindowS)));
        if (p.errored)
            why.append(QStringLiteral("errored"));
        if (overlimit)
            why.append(QStringLiteral("restart_overlimit"));
        v.detail = why.join(QStringLiteral(", "));
        v.evidence.target = AlertEvidence::Target::Process;
        v.evidence.host = p.host;
        v.evidence.app = p.app;
        v.evidence.pmId = p.pmId;
        out.insert(alertKey(AlertRule::CrashLoop, it.key()), {AlertRule::CrashLoop, v});
    }
}

void AlertEngine::judgeDeployments(qint64 t, Verdicts &out) const
{
    if (!m_rules.deploymentEnabled)
        return;
    const qint64 limitMs = qint64(m_rules.deploymentNotifyS) * 1000;
    for (auto it = m_deployments.cbegin(); it != m_deployments.cend(); ++it) {
        const qint64 age = t - it->deployedAtMs;
        if (it->notified || age <= limitMs)
            continue;
        Verdict v;
        v.severity = AlertSeverity::Warning;
        v.value = double(age) / 1000.0;
        v.threshold = m_rules.deploymentNotifyS;
        v.unit = QStringLiteral("s");
        v.subject = QStringLiteral("#%1 %2").arg(it.key()).arg(it->agent);
        v.detail = QStringLiteral("deployment #%1 of %2 not notified after %3 s")
                       .arg(it.key())
                       .arg(it->agent)
                       .arg(age / 1000);
        v.evidence.target = AlertEvidence::Target::Deployment;
        v.evidence.agent = it->agent;
        v.evidence.deploymentId = it.key();
        out.insert(alertKey(AlertRule::DeploymentNotNotified, QString::number(it.key())),
                   {AlertRule::DeploymentNotNotified, v});
    }
}

void AlertEngine::judgeCommands(Verdicts &out) const
{
    if (!m_rules.commandEnabled)
        return;
    for (auto it = m_commands.cbegin(); it != m_commands.cend(); ++it) {
        Verdict v;
        v.severity = AlertSeverity::Warning;
        v.value = 0;
        v.threshold = 0;
        v.subject = it->action + QLatin1Char(' ') + it->app + QStringLiteral(" on ") + it->host;
        v.detail
            = QStringLiteral("command %1: no answer from the bridge of %2").arg(it.key(), it->host);
        v.evidence.target = AlertEvidence::Target::Command;
        v.evidence.host = it->host;
        v.evidence.app = it->app;
        v.evidence.commandId = it.key();
        out.insert(alertKey(AlertRule::CommandUnanswered, it.key()),
                   {AlertRule::CommandUnanswered, v});
    }
}

void AlertEngine::evaluate()
{
    const qint64 t = now();
    const qint64 wall = m_clock->wallMs();
    prune(t);
    Verdicts verdicts;
    judgeSessions(verdicts);
    judgeRates(t, verdicts);
    judgeHosts(t, verdicts);
    judgeProcesses(t, verdicts);
    judgeDeployments(t, verdicts);
    judgeCommands(verdicts);

    bool changed = false;
    QList<Alert> started, escalated, resolved;
    for (auto it = verdicts.cbegin(); it != verdicts.cend(); ++it) {
        const auto &[rule, v] = it.value();
        auto a = m_alerts.find(it.key());
        const bool wasFiring = a != m_alerts.end() && a->firing;
        const bool wasCritical = wasFiring && a->severity == AlertSeverity::Critical;
        if (a == m_alerts.end()) {
            a = m_alerts.insert(it.key(), Alert {});
            a->key = it.key();
            a->rule = rule;
            a->ack = m_acks.value(it.key());
        }
        if (!wasFiring) {
            a->firing = true;
            a->sinceMs = wall;
        }
        const bool differs = a->value != v.value || a->severity != v.severity
            || a->threshold != v.threshold || a->detail != v.detail;
        a->severity = v.severity;
        a->value = v.value;
        a->threshold = v.threshold;
        a->unit = v.unit;
        a->subject = v.subject;
        a->detail = v.detail;
        a->evidence = v.evidence;
        changed = changed || differs || !wasFiring;
        if (!wasFiring)
            started.append(*a);
        else if (!wasCritical && v.severity == AlertSeverity::Critical)
            escalated.append(*a);
    }
    for (auto a = m_alerts.begin(); a != m_alerts.end();) {
        if (a->firing && !verdicts.contains(a.key())) {
            a->firing = false;
            a->sinceMs = wall;
            resolved.append(*a);
            changed = true;
        } else if (!a->firing && wall - a->sinceMs > kKeepResolvedMs) {
            a = m_alerts.erase(a);
            changed = true;
            continue;
        }
        ++a;
    }
    for (const Alert &a : std::as_const(started))
        Q_EMIT alertStarted(a);
    for (const Alert &a : std::as_const(escalated))
        Q_EMIT alertEscalated(a);
    for (const Alert &a : std::as_const(resolved))
        Q_EMIT alertResolved(a);
    if (changed)
        Q_EMIT alertsChanged();
}

QList<Alert> AlertEngine::alerts() const
{
    return m_alerts.values();
}

const Alert *AlertEngine::alert(const QString &key) const
{
    auto it = m_alerts.constFind(key);
    return it == m_alerts.cend() ? nullptr : &*it;
}

int AlertEngine::firingCount() const
{
    return int(
        std::count_if(m_alerts.cbegin(), m_alerts.cend(), [](const Alert &a) { return a.firing; }));
}

} // namespace switchboard
