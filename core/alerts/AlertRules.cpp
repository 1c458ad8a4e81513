#include "core/alerts/AlertRules.h"

#include <QSettings>

#include <tuple>

namespace switchboard {

namespace {

QString group(const QString &profile)
{
    // One group per profile; a profile name may hold '/' (QSettings' separator).
    QString name = profile.isEmpty() ? QStringLiteral("default") : profile;
    name.replace(QLatin1Char('/'), QLatin1Char('_'));
    name.replace(QLatin1Char('\\'), QLatin1Char('_'));
    return QStringLiteral("alerts/") + name;
}

} // namespace

AlertRules AlertRules::load(QSettings &s, const QString &profile)
{
    AlertRules r;
    s.beginGroup(group(profile));
    r.fillEnabled = s.value(QStringLiteral("fill/enabled"), r.fillEnabled).toBool();
    r.fillWarnAt = s.value(QStringLiteral("fill/warn"), r.fillWarnAt).toDouble();
    r.fillCriticalAt = s.value(QStringLiteral("fill/critical"), r.fillCriticalAt).toDouble();
    r.rateEnabled = s.value(QStringLiteral("rate/enabled"), r.rateEnabled).toBool();
    r.rateWindowS = s.value(QStringLiteral("rate/window_s"), r.rateWindowS).toInt();
    r.rateMinCalls = s.value(QStringLiteral("rate/min_turns"), r.rateMinCalls).toInt();
    r.rateMinFailures = s.value(QStringLiteral("rate/min_failures"), r.rateMinFailures).toInt();
    r.rateWarnAt = s.value(QStringLiteral("rate/warn"), r.rateWarnAt).toDouble();
    r.rateCriticalAt = s.value(QStringLiteral("rate/critical"), r.rateCriticalAt).toDouble();
    r.rateByKind = s.value(QStringLiteral("rate/by_kind"), r.rateByKind).toBool();
    r.unrecoverableEnabled
        = s.value(QStringLiteral("unrecoverable/enabled"), r.unrecoverableEnabled).toBool();
    r.hostSilentEnabled = s.value(QStringLiteral("host/enabled"), r.hostSilentEnabled).toBool();
    r.hostSilentFactor = s.value(QStringLiteral("host/factor"), r.hostSilentFactor).toDouble();
    r.crashLoopEnabled = s.value(QStringLiteral("crash/enabled"), r.crashLoopEnabled).toBool();
    r.crashLoopRestarts = s.value(QStringLiteral("crash/restarts"), r.crashLoopRestarts).toInt();
    r.crashLoopWindowS = s.value(QStringLiteral("crash/window_s"), r.crashLoopWindowS).toInt();
    r.deploymentEnabled
        = s.value(QStringLiteral("deployment/enabled"), r.deploymentEnabled).toBool();
    r.deploymentNotifyS
        = s.value(QStringLiteral("deployment/notify_s"), r.deploymentNotifyS).toInt();
    r.commandEnabled = s.value(QStringLiteral("command/enabled"), r.commandEnabled).toBool();
    r.notify = s.value(QStringLiteral("notify"), r.notify).toBool();
    s.endGroup();
    return r.sanitized();
}

void AlertRules::save(QSettings &s, const QString &profile) const
{
    s.beginGroup(group(profile));
    s.setValue(QStringLiteral("fill/enabled"), fillEnabled);
    s.setValue(QStringLiteral("fill/warn"), fillWarnAt);
    s.setValue(QStringLiteral("fill/critical"), fillCriticalAt);
    s.setValue(QStringLiteral("rate/enabled"), rateEnabled);
    s.setValue(QStringLiteral("rate/window_s"), rateWindowS);
    s.setValue(QStringLiteral("rate/min_turns"), rateMinCalls);
    s.setValue(QStringLiteral("rate/min_failures"), rateMinFailures);
    s.setValue(QStringLiteral("rate/warn"), rateWarnAt);
    s.setValue(QStringLiteral("rate/critical"), rateCriticalAt);
    s.setValue(QStringLiteral("rate/by_kind"), rateByKind);
    s.setValue(QStringLiteral("unrecoverable/enabled"), unrecoverableEnabled);
    s.setValue(QStringLiteral("host/enabled"), hostSilentEnabled);
    s.setValue(QStringLiteral("host/factor"), hostSilentFactor);
    s.setValue(QStringLiteral("crash/enabled"), crashLoopEnabled);
    s.setValue(QStringLiteral("crash/restarts"), crashLoopRestarts);
    s.setValue(QStringLiteral("crash/window_s"), crashLoopWindowS);
    s.setValue(QStringLiteral("deployment/enabled"), deploymentEnabled);
    s.setValue(QStringLiteral("deployment/notify_s"), deploymentNotifyS);
    s.setValue(QStringLiteral("command/enabled"), commandEnabled);
    s.setValue(QStringLiteral("notify"), notify);
    s.endGroup();
}

bool AlertRules::operator==(const AlertRules &o) const
{
    auto tie = [](const AlertRules &r) {
        return std::make_tuple(r.fillEnabled, r.fillWarnAt, r.fillCriticalAt, r.rateEnabled,
                               r.rateWindowS, r.rateMinCalls, r.rateMinFailures, r.rateWarnAt,
                               r.rateCriticalAt, r.rateByKind, r.unrecoverableEnabled,
                               r.hostSilentEnabled, r.hostSilentFactor, r.crashLoopEnabled,
                               r.crashLoopRestarts, r.crashLoopWindowS, r.deploymentEnabled,
                               r.deploymentNotifyS, r.commandEnabled, r.notify);
    };
    return tie(*this) == tie(o);
}

AlertRules AlertRules::sanitized() const
{
    const AlertRules d;
    AlertRules r = *this;
    auto ratio = [](double v) {
        return v > 0.0 && v <= 1.0;
    };
    if (!ratio(r.fillWarnAt) || !ratio(r.fillCriticalAt) || r.fillCriticalAt < r.fillWarnAt) {
        r.fillWarnAt = d.fillWarnAt;
        r.fillCriticalAt = d.fillCriticalAt;
    }
    if (!ratio(r.rateWarnAt) || !ratio(r.rateCriticalAt) || r.rateCriticalAt < r.rateWarnAt) {
        r.rateWarnAt = d.rateWarnAt;
        r.rateCriticalAt = d.rateCriticalAt;
    }
    if (r.rateWindowS < 10 || r.rateWindowS > 86400)
        r.rateWindowS = d.rateWindowS;
    if (r.rateMinCalls < 1 || r.rateMinCalls > 1000000)
        r.rateMinCalls = d.rateMinCalls;
    if (r.rateMinFailures < 1 || r.rateMinFailures > 1000000)
        r.rateMinFailures = d.rateMinFailures;
    if (!(r.hostSilentFactor >= 1.0 && r.hostSilentFactor <= 100.0))
        r.hostSilentFactor = d.hostSilentFactor;
    if (r.crashLoopRestarts < 1 || r.crashLoopRestarts > 10000)
        r.crashLoopRestarts = d.crashLoopRestarts;
    if (r.crashLoopWindowS < 10 || r.crashLoopWindowS > 86400)
        r.crashLoopWindowS = d.crashLoopWindowS;
    if (r.deploymentNotifyS < 1 || r.deploymentNotifyS > 86400)
        r.deploymentNotifyS = d.deploymentNotifyS;
    return r;
}

} // namespace switchboard
