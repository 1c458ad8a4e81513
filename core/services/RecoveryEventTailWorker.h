#pragma once
// The events tail's work off the GUI thread: it lives on the tail's own QThread, owns the
// RedisStreamReader (so its socket notifier and timers are created, used and destroyed
// there), parses every stream entry into a RecoveryEventRow with the contract parser, builds
// gap rows, counts, and gathers the result in one bounded TailBatch. The first row of an
// empty batch posts one "take it" call to the GUI thread; rows arriving before the GUI
// took it join the same batch, so the GUI gets one batch per event-loop pass however
// fast the stream is, and a GUI that falls behind costs dropped rows (counted), not memory.
#include "core/redis/RedisConnectionOptions.h"
#include "core/redis/RedisStreamEntry.h"
#include "core/redis/RedisStreamReader.h"
#include "core/types/RecoveryEventRowInterner.h"
#include "core/types/TailBatch.h"

#include <QMutex>
#include <QObject>

#include <atomic>
#include <functional>

struct redisReply;

namespace switchboard {

class RecoveryEventTailWorker : public QObject
{
    Q_OBJECT
public:
    // notify runs on the worker thread when a batch becomes non-empty (it posts to the GUI).
    RecoveryEventTailWorker(RedisConnectionOptions options, QByteArray streamKey, int capacity,
                            std::function<void()> notify);
    ~RecoveryEventTailWorker() override;

    // Worker thread only (invoked queued from the tail).
    void init(); // creates the reader: call first, on the worker thread
    void start(const QByteArray &fromId);
    void stop();
    void setCount(int count);
    void setBlockMs(int ms);
    void setBackfill(int count) { m_backfill = count; }
    void setIdentityCheckMs(int ms); // RedisStreamReader::setIdentityCheckMs
    void shutdown(); // stops and destroys the reader (its notifiers) on this thread

    // Any thread.
    TailBatch take(); // the batch so far; the next row posts a new notification
    void setCapacity(int capacity) { m_capacity.store(qMax(1, capacity)); }
    QByteArray lastId() const;
    int connectionState() const { return m_state.load(); } // int(RedisConnection::State)
    qint64 entriesRead() const { return m_read.load(); }
    int connects() const { return m_connects.load(); } // times the connection became ready

    static RecoveryEventRow rowFor(const RedisStreamEntry &entry);
    // The same row straight from hiredis' [id, [field, value, ...]] entry (the tail's hot
    // path: no RedisReply or RedisStreamEntry copy). Values point into the reply while
    // parsing; a non-string name/value or an odd count makes the row bad, saying so.
    // Returns false when the entry has no ID to place it by (skipped, as the reader does).
    // `detail` is only checked (the row drops it): when it is valid JSON within its cap it
    // is not parsed into a tree; otherwise the parser runs on it and reports as ever.
    // With an interner, repeated agent/host/session strings share one copy.
    static bool rowFor(const redisReply *entry, RecoveryEventRow *row,
                       RecoveryEventRowInterner *interner = nullptr);

    static constexpr int kWorkerNice = 5; // see lowerThreadWeight()
    // The gap row's text for a stream that is not the one read before (plain words).
    static QString identityText(const RedisStreamReader::IdentityChange &change);

Q_SIGNALS:
    void readError(const QString &message);

private:
    void lowerThreadWeight();
    void onRawEntries(const QByteArray &stream, const redisReply *entries);
    void noteAddedBefore(); // entries-added when reading began (Redis 7), for gap sizes
    void onEntries(const QByteArray &stream, const QList<switchboard::RedisStreamEntry> &batch);
    void onGap(const QByteArray &stream, const QByteArray &lastId, const QByteArray &firstId);
    void onIdentityChanged(const QByteArray &stream,
                           const switchboard::RedisStreamReader::IdentityChange &change);
    void backfill();
    // pinned: where the tail's reading starts (empty: take it at the first reply).
    void backfillAtMost(int count, const QByteArray &pinned);
    void onOversizedEntry(const QByteArray &stream, const QByteArray &id, const QString &message);
    // Rows read live wait while a backfill is sent again (over the reply cap at first), so
    // the older rows still come first.
    void publish(std::vector<RecoveryEventRow> rows, bool backfilled = false);
    // Drops the oldest rows over `capacity` (never gap rows), counted as dropped.
    static void trimBatch(TailBatch *batch, size_t capacity);

    RedisConnectionOptions m_options;
    QByteArray m_key;
    std::function<void()> m_notify;
    RecoveryEventRowInterner m_interner;
    RedisStreamReader *m_reader = nullptr;
    int m_backfill = 0;
    bool m_backfilling = false;
    std::vector<RecoveryEventRow> m_held; // live rows waiting for the backfill
    int m_count = 1000;
    int m_blockMs = 1000;
    int m_identityCheckMs = -1; // -1: the reader's default
    bool m_started = false;
    qint64 m_missingReported = 0; // already shown in earlier gap rows
    // entries-added when reading began (Redis 7), -1 = not known yet, -2 = not comparable
    // (the stream was replaced since)
    qint64 m_addedBefore = -1;

    mutable QMutex m_mutex; // guards m_batch, m_posted, m_lastId
    TailBatch m_batch;
    bool m_posted = false;
    QByteArray m_lastId;
    std::atomic<int> m_capacity;
    std::atomic<int> m_state {0};
    std::atomic<qint64> m_read {0};
    std::atomic<int> m_connects {0};
};

} // namespace switchboard
