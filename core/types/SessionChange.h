#pragma once
// What the sessions feed (core/services/SessionFeed) hands the sessions model: one
// session hash already parsed with the contract's parser (off the model, in the feed's
// time-budgeted slices), and the sink the model implements to apply a slice of them.
#include "core/contract/SessionRecord.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QVector>

namespace switchboard {

struct SessionChange
{
    QByteArray id; // the zset member
    SessionRecord record; // for a bad hash: whatever could be read around the errors
    bool bad = false;
    QString badReason; // the parser's messages, or why the hash could not be read

    // One hash as read from Redis (HGETALL's flat field/value list). A non-empty `error`
    // (IndexRecord::error: not read at all, e.g. over the reply cap) makes a bad row
    // saying so (the parser's "missing" would mislead).
    static SessionChange parse(QByteArray id, const QList<QByteArray> &fields, QString error = {});
};

// Implemented by models/SessionTableModel.
class SessionChangeSink
{
public:
    virtual ~SessionChangeSink() = default;
    // Merges one slice: upserts (new or changed hashes) and ids that left. nowMs stamps
    // alert crossings of sessions without a time.
    virtual void apply(const QVector<SessionChange> &upserts, const QVector<QByteArray> &gone,
                       qint64 nowMs)
        = 0;
    // Room for this many rows (the first poll of a big index), before they arrive.
    virtual void reserve(int rows) = 0;
};

} // namespace switchboard
