#pragma once
// What a trace search asks (filters, page size), where its next page starts, and what a
// page holds: plain values (TraceSearch runs them; the trace view builds and shows them).
#include "core/contract/SessionSummary.h"

#include <QStringList>
#include <QVector>

#include <optional>

namespace switchboard {

struct TraceQuery
{
    QString sessionId; // exact id, or a prefix ending in '*'
    QString agent;
    std::optional<qint64> fromMs; // started_at >= from
    std::optional<qint64> toMs; // started_at < to
    std::optional<SessionOutcome> outcome;
    bool onlyWithRecovery = false;
    std::optional<double> minFillPct; // max_fill_pct >= this
    std::optional<int> promptVersion;
    int pageSize = 200;
};

// Where the next page starts: the last row of the previous one.
struct TraceCursor
{
    QString startedAt; // started_at as the server printed it (exact, µs)
    QString sessionId;
    bool isNull() const { return sessionId.isEmpty(); }
};

struct TracePage
{
    QVector<SessionSummary> rows;
    QStringList badRows; // rows the parser refused, with its message
    TraceCursor next; // null when this was the last page
};

} // namespace switchboard
