#pragma once
// Plain snapshots of prompt history, built on a Postgres worker and handed to the GUI
// thread by value. Every row keeps whatever could be read plus `problem`: a non-empty
// problem makes it a marked bad row (the parser's message), never a dropped one.
#include "core/contract/PromptDeployment.h"
#include "core/contract/PromptVersion.h"

#include <QMetaType>
#include <QString>
#include <QVector>

#include <optional>

namespace switchboard {

// Whether agents were told of a deployment, judged from the truth: its notification row,
// or else the `N prompt:{agent}` hash in Redis. A deployer may have written the hash and
// not the row (or a console may have crashed between the two): the hash carrying this
// deployment's id means agents were told, and a retry would only publish again.
enum class NotifiedState {
    Recorded, // a prompt_notifications row
    SeenInRedis, // no row, but N prompt:{agent} carries this deployment_id
    NewerInRedis, // the agent's latest deployment, but Redis carries a newer id (unknown here)
    NotNotified // no row, and Redis does not carry it (or could not be read)
};

// redisDeploymentId: deployment_id of N prompt:{agent} when it was read (0 = no hash);
// latest: the deployment is the agent's latest in Postgres.
inline NotifiedState notifiedState(const PromptDeployment &d, std::optional<qint64> redisId,
                                   bool latest)
{
    if (d.notifiedAt)
        return NotifiedState::Recorded;
    if (redisId && *redisId == d.id)
        return NotifiedState::SeenInRedis;
    if (redisId && latest && *redisId > d.id)
        return NotifiedState::NewerInRedis;
    return NotifiedState::NotNotified;
}

// "alice (db: ops_alice)": the display name and the database role the server recorded;
// rows written before migration 002 have no role and show the name alone.
inline QString deployedByText(const QString &name, const QString &dbRole)
{
    return dbRole.isEmpty() ? name : QStringLiteral("%1 (db: %2)").arg(name, dbRole);
}

// One agent with its latest deployment (the active version), from prompt_deployment_status.
struct PromptAgentRow
{
    QString agent;
    bool hasDeployment = false;
    PromptDeployment active; // valid when hasDeployment
    QString activeModel; // pinned model of the active version
    QString problem;
    // deployment_id of N prompt:{agent}, read when the active deployment has no
    // notification row (0 = no hash); nullopt = not read (no Redis, or it failed).
    std::optional<qint64> redisDeploymentId;
    NotifiedState notified() const { return notifiedState(active, redisDeploymentId, true); }
};

// One version without its body (the list never loads bodies: one may be megabytes).
struct PromptVersionRow
{
    PromptVersion version; // body left empty
    qint64 bodyBytes = 0;
    QString paramsText; // as stored, for display and the diff
    QString problem;
};

struct PromptDeploymentRow
{
    PromptDeployment deployment;
    QString problem;
    bool latest = false; // the agent's latest deployment (when known)
    std::optional<qint64> redisDeploymentId; // as in PromptAgentRow
    NotifiedState notified() const { return notifiedState(deployment, redisDeploymentId, latest); }
};

// The full version, loaded on demand for the body viewer and the diff.
struct PromptVersionDetail
{
    QString agent;
    qint64 version = 0;
    bool found = false;
    PromptVersion value; // body empty when over the cap
    qint64 bodyBytes = 0;
    QString paramsText;
    QString problem;
    // What the diff compares: model, parameters one per line, then the body.
    QString diffText() const;
};

// How a version behaved while it was active, from recovery_events over its deployment
// intervals (only the most recent intervals are counted: the query is bounded).
struct PromptVersionMetrics
{
    qint64 version = 0;
    qint64 activeMs = 0; // total time active within the counted intervals
    qint64 events = 0; // recovery events while active
    qint64 failed = 0; // of which outcome = failed
    int intervals = 0;
    double eventsPerHour() const { return activeMs > 0 ? events * 3600000.0 / activeMs : 0.0; }
    double failedPerHour() const { return activeMs > 0 ? failed * 3600000.0 / activeMs : 0.0; }
    // Share of recovery attempts that failed, 0..1; -1 when there were none.
    double failedShare() const { return events > 0 ? double(failed) / double(events) : -1.0; }
};

// Whether the connected role may roll back, and why not.
struct PromptPermissions
{
    QString role;
    bool canRollback = false;
    QString reason; // empty when canRollback
};

} // namespace switchboard

Q_DECLARE_METATYPE(switchboard::PromptAgentRow)
Q_DECLARE_METATYPE(switchboard::PromptVersionRow)
Q_DECLARE_METATYPE(switchboard::PromptDeploymentRow)
