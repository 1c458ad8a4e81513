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

// One agent with its latest deployment (the active version), from prompt_deployment_status.
struct PromptAgentRow
{
    QString agent;
    bool hasDeployment = false;
    PromptDeployment active; // valid when hasDeployment
    QString activeModel; // pinned model of the active version
    QString problem;
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
