#pragma once
// One session's trace as the inspector needs it: the tree columns of every span (never
// the payloads), in tree order, with parent/child links and subtree totals computed once
// on the worker. Immutable once built: the GUI only reads it, so painting never recurses
// and never touches the network.
#include "core/contract/Enums.h"
#include "core/contract/RecoveryEvent.h"
#include "core/util/SafeMath.h"

#include <QHash>
#include <QString>
#include <QVector>

#include <memory>

namespace switchboard {

struct TraceNode
{
    QString spanId;
    QString parentId;
    QString name;
    QString model;
    QString host;
    QString errorType;
    QString error; // first 500 characters; the detail pane loads the rest
    SpanKind kind = SpanKind::Turn;
    SpanStatus status = SpanStatus::Ok;
    int turn = 0;
    int depth = 0; // depth in the built tree (not the column: an orphan becomes a root)
    int promptVersion = -1;
    qint64 startedAt = 0; // Unix ms
    double durationMs = 0;
    qint64 firstTokenAt = -1; // Unix ms, -1 = none
    qint64 inputTokens = -1; // -1 = NULL
    qint64 outputTokens = -1;
    qint64 cacheReadTokens = -1;
    qint64 cacheWriteTokens = -1;
    qint64 inputBytes = -1;
    qint64 outputBytes = -1;

    int parent = -1; // index into TraceSnapshot::nodes
    int row = 0; // position among the parent's children (or among the roots)
    int root = 0; // index of the top-level ancestor (its turn): the waterfall's window
    QVector<int> children;

    // Computed once over the built tree.
    qint64 subtreeTokens = 0; // input + output, cache excluded (cache is part of input)
    qint64 subtreeCacheTokens = 0;
    int subtreeErrors = 0;
    int subtreeSpans = 1;
    QString problem; // why the row is suspicious (orphan, bad value); empty = fine
    QString valueProblem; // a bad column value found when loading (kept across rebuilds)
    int recoveryEvents = 0;

    qint64 totalTokens() const
    {
        return safe::add(inputTokens > 0 ? inputTokens : 0, outputTokens > 0 ? outputTokens : 0);
    }
};

struct TraceSnapshot
{
    QString sessionId;
    QString agent;
    QVector<TraceNode> nodes; // tree order (ORDER BY path): parents before children
    QVector<int> roots;
    QHash<QString, int> indexOf; // span id -> node index
    QVector<RecoveryEvent> recoveryEvents;
    qint64 startMs = 0;
    qint64 endMs = 0;
    int errorSpans = 0;
    int orphans = 0;
    qint64 fetchMs = 0; // query + transfer
    qint64 buildMs = 0; // tree + totals
};

using TraceSnapshotPtr = std::shared_ptr<const TraceSnapshot>;

} // namespace switchboard
