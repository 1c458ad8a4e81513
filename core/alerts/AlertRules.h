#pragma once
// The alert rules' settings: one value the dialog edits and the profile stores
// ("alerts/<profile>/…" in QSettings). Defaults fit the simulator's seed fleet (docs/
// contract.md, "Alert rules", says what each rule measures and its denominator).
#include <QString>

class QSettings;

namespace switchboard {

struct AlertRules
{
    // Context fill: the share of the model's window (SessionRecord::fillRatio()).
    bool fillEnabled = true;
    double fillWarnAt = 0.70;
    double fillCriticalAt = 0.90;

    // Recovery failure rate: failed events / model calls of the agent in the window;
    // model calls = growth of the agent's sessions' `turns` seen by the console.
    bool rateEnabled = true;
    int rateWindowS = 600;
    int rateMinCalls = 20; // fewer model calls in the window: not judged
    int rateMinFailures = 3; // fewer failures in the window: not judged
    double rateWarnAt = 0.10;
    double rateCriticalAt = 0.25;
    bool rateByKind = true; // also per agent x kind

    bool unrecoverableEnabled = true; // any unrecoverable event within rateWindowS

    bool hostSilentEnabled = true;
    double hostSilentFactor = 3.0; // silent after factor x heartbeat_ms

    bool crashLoopEnabled = true;
    int crashLoopRestarts = 3; // restarts grown by at least this …
    int crashLoopWindowS = 300; // … within this, or `errored`, or `restart_overlimit`

    bool deploymentEnabled = true;
    int deploymentNotifyS = 60;

    bool commandEnabled = true; // the bridge gave no answer (ControlProgress's timeout)

    bool notify = true; // desktop notification on each alert start

    static AlertRules load(QSettings &settings, const QString &profile);
    void save(QSettings &settings, const QString &profile) const;
    // Out-of-range values replaced by the defaults.
    AlertRules sanitized() const;
    bool operator==(const AlertRules &o) const;
    bool operator!=(const AlertRules &o) const { return !(*this == o); }
};

} // namespace switchboard
