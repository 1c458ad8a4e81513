#pragma once
// What the audit log reads hand over (core/services/AuditLog, on a PgPool worker): the
// filters asked for, a keyset page of agentops.operator_actions, newest first, each action
// (a row without ref_id) with its latest outcome row, and the cursor to the next page.
// Plain types, no I/O.
#include "core/contract/OperatorAction.h"
#include "core/contract/Parsed.h"

#include <QString>

#include <optional>
#include <vector>

namespace switchboard {

struct AuditFilter
{
    QString operatorName; // display name or database role, exact; empty = any
    QString action; // contract text (reload, restart, rollback, export, ...); empty = any
    QString targetPrefix; // `proc:web-1:`, `prompt:triage`, `session:`; empty = any
    QString outcome; // the action's latest outcome (contract text); empty = any
    qint64 fromMs = 0; // inclusive; 0 = no lower bound
    qint64 toMs = 0; // exclusive; 0 = no upper bound
    bool operator==(const AuditFilter &o) const
    {
        return operatorName == o.operatorName && action == o.action
            && targetPrefix == o.targetPrefix && outcome == o.outcome && fromMs == o.fromMs
            && toMs == o.toMs;
    }
};

// The (at, id) of the last action of a page: the next page starts strictly after it.
struct AuditCursor
{
    QString at; // timestamptz as text: exact, no rounding to ms
    qint64 id = 0;
    bool isNull() const { return id == 0; }
};

// One action as the audit log lists it. Rows are parsed like every other record written
// by others: a bad one is kept and marked (request.isOk() false), never dropped.
struct AuditEntry
{
    Parsed<OperatorAction> request {QStringLiteral("operator action"), QString(), {}, {}};
    // The latest outcome row written for it (ref_id = request's id), if any; a rollback or
    // an export is one row (its own outcome), a reload has a `requested` row and outcomes.
    std::optional<Parsed<OperatorAction>> latestOutcome;
    int outcomeRows = 0; // how many outcome rows it has (a late answer adds one)
    qint64 atUs = 0; // the request's time in microseconds: the list's order is (atUs, id)

    qint64 id() const { return request.value().id.value_or(0); }
    // The outcome the list shows: the latest outcome row's, else the row's own.
    OperatorOutcome outcome() const
    {
        return latestOutcome ? latestOutcome->value().outcome : request.value().outcome;
    }
};

struct AuditLogPage
{
    std::vector<AuditEntry> entries;
    AuditCursor next; // null when this was the last page
};

} // namespace switchboard
