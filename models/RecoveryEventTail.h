#pragma once
// The live tail of the recovery-events stream: a RedisStreamReader on its own connection
// (XREAD BLOCK, resumes from the last ID after a reconnect) feeding a
// RecoveryEventTableModel. Every entry becomes a row, bad ones marked with the parser's
// reason; when the stream was trimmed past the last ID read, a gap row says how many
// entries are gone (exact with Redis 7's entries-added, else the time span).
#include "core/redis/RedisConnectionOptions.h"
#include "core/redis/RedisStreamEntry.h"
#include "models/EventRow.h"

#include <QObject>

#include <functional>

namespace switchboard {

class RecoveryEventTableModel;
class RedisStreamReader;

class RecoveryEventTail : public QObject
{
    Q_OBJECT
public:
    RecoveryEventTail(const RedisConnectionOptions &options, QByteArray streamKey,
                      RecoveryEventTableModel *model, QObject *parent = nullptr);
    ~RecoveryEventTail() override;

    // fromId as for RedisStreamReader::addStream ("$" = what comes from now on).
    void start(const QByteArray &fromId = QByteArrayLiteral("$"));
    void stop();
    void setCount(int count); // XREAD COUNT per round trip (bounded)
    // On the first connect, also show up to `count` entries from before the start (one
    // bounded XREVRANGE), so the view opens on recent history rather than empty.
    void setBackfill(int count) { m_backfill = qBound(0, count, 10000); }
    RedisStreamReader *reader() const { return m_reader; }
    qint64 entriesRead() const { return m_read; }
    // Called with every row before it is queued (the rate chart counts them).
    void setObserver(std::function<void(const EventRow &)> observer)
    {
        m_observer = std::move(observer);
    }

    static EventRow rowFor(const RedisStreamEntry &entry);

Q_SIGNALS:
    void readError(const QString &message);

private:
    void onEntries(const QByteArray &stream, const QList<switchboard::RedisStreamEntry> &batch);
    void backfill();
    void onGap(const QByteArray &stream, const QByteArray &lastId, const QByteArray &firstId);

    RedisStreamReader *m_reader;
    QByteArray m_key;
    RecoveryEventTableModel *m_model;
    std::function<void(const EventRow &)> m_observer;
    qint64 m_read = 0;
    qint64 m_missingReported = 0; // already shown in earlier gap rows
    qint64 m_addedBefore = -1; // entries-added when reading began (Redis 7), -1 = unknown
    int m_backfill = 0;
    bool m_started = false;
};

} // namespace switchboard
