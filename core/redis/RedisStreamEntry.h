#pragma once
#include <QByteArray>
#include <QList>
#include <QPair>

namespace switchboard {

// One stream entry as read by XREAD: its ID and field/value pairs in order.
struct RedisStreamEntry
{
    QByteArray id;
    QList<QPair<QByteArray, QByteArray>> fields;
};

// Compares two stream IDs ("ms-seq"); -1, 0 or 1. A missing sequence counts as 0.
int compareStreamIds(const QByteArray &a, const QByteArray &b);
// "ms-seq", both decimal: what the server writes as an entry ID.
bool isStreamId(const QByteArray &id);

} // namespace switchboard
