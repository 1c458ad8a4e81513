#pragma once
// What an IndexDeltaPoller (core/services) hands its reader after each poll of a zset
// index (`N procs`, `N sessions`): the members whose hash is new or changed, with its
// fields as read, and those that vanished, left the index or only moved. Plain types.
#include <QByteArray>
#include <QList>
#include <QString>
#include <QVector>

namespace switchboard {

struct IndexRecord
{
    QByteArray member;
    qint64 score = 0;
    // name, value, name, value ...: the HGETALL flat list, or only Options::bulkFields
    QList<QByteArray> fields;
    // Non-empty: the hash could not be read (over the reply cap), this says why, e.g.
    // "field model: over the 64 MiB reply cap: a 68157440-byte string, not read". A bad
    // record for this member only; fields is empty. (Initialised so that {member, score,
    // fields} stays a complete aggregate initialiser.)
    QString error = {};
};

struct IndexDelta
{
    QVector<IndexRecord> upserts; // new or changed: fields = HGETALL flat list
    QVector<IndexRecord> vanished; // member still in zset, hash gone (score = last seen)
    QVector<QByteArray> removed; // member no longer in the zset
    // Score moved but the hash was not re-read this poll (Options::fieldsRefreshMs):
    // the writer is alive, its last fields still stand. fields is empty.
    QVector<IndexRecord> touched;
    int commands = 0; // Redis commands this poll cost
    qint64 polledAtMs = 0; // wall clock (ms since epoch) when the poll started
    bool full = false; // first poll, or first after an error: upserts are everything known
    bool isEmpty() const
    {
        return upserts.isEmpty() && vanished.isEmpty() && removed.isEmpty() && touched.isEmpty();
    }
};

} // namespace switchboard
