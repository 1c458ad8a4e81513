#pragma once
// What the trace view may ask of its data (app/TracesFeature implements it with
// TraceSearch, TraceLoader, PayloadLoader and TraceExporter). Every answer comes back on
// the GUI thread and only while the context object given with the request lives; a newer
// request of the same kind supersedes an older one still running (its answer is dropped,
// or reported as cancelled). The view never sees a pool, and the operator named in the
// export's audit row is the feature's to fill in.
#include "core/services/TraceSnapshot.h"
#include "core/types/ExportOptions.h"
#include "core/types/SpanPayload.h"
#include "core/types/TraceQuery.h"

#include <QObject>

#include <functional>

namespace switchboard {

// How a read ended, in the words the view shows.
struct TraceReply
{
    enum Code { Ok, Cancelled, Failed };
    Code code = Ok;
    QString message; // empty when Ok
    qint64 elapsedMs = 0;
    bool ok() const { return code == Ok; }
};

class TraceActions : public QObject
{
    Q_OBJECT
public:
    using SearchDone = std::function<void(const TraceReply &, const TracePage &)>;
    using TraceDone = std::function<void(const TraceReply &, const TraceSnapshotPtr &)>;
    using PayloadDone = std::function<void(const TraceReply &, const SpanPayload &)>;
    // offset counts characters from 0; last is true for the final part.
    using PartDone
        = std::function<void(const TraceReply &, qint64 offset, const QString &part, bool last)>;
    using ExportDone = std::function<void(const ExportResult &)>;

    using QObject::QObject;

    // Sessions matching query, newest first; after: null for the first page.
    virtual void search(const TraceQuery &query, const TraceCursor &after, QObject *context,
                        SearchDone done)
        = 0;
    // One session's span tree.
    virtual void loadTrace(const QString &sessionId, QObject *context, TraceDone done) = 0;
    // One span's payloads; host/startMs/endMs pick the process events shown next to it.
    virtual void openPayload(const QString &spanId, const QString &host, qint64 startMs,
                             qint64 endMs, QObject *context, PayloadDone done)
        = 0;
    // The rest of a payload, [from, total), one call of part per chunk.
    virtual void fetchRest(const QString &spanId, payload::Which which, qint64 from, qint64 total,
                           QObject *context, PartDone part)
        = 0;
    virtual void cancelPayloads() = 0;
    // The audited export: the audit row first, then the files (docs/decisions.md "Exports
    // fail closed"); options.exportedBy is filled in by the implementation.
    virtual void exportSession(const ExportOptions &options, QObject *context, ExportDone done) = 0;
};

} // namespace switchboard
