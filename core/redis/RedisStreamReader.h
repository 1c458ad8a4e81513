#pragma once
#include "core/redis/RedisConnection.h"
#include "core/redis/RedisStreamEntry.h"

#include <QMap>
#include <QObject>

#include <functional>

namespace switchboard {

// Follows one or more streams with XREAD BLOCK on its own connection. It remembers the
// last ID seen per stream and resumes from there after a reconnect, so nothing is read
// twice or skipped; when entries after that ID were trimmed meanwhile it says so.
//
// Reads have a byte budget (the connection's maxReplyBytes): an XREAD reply over it fails
// alone (RedisReply::isOversized()) and COUNT is divided by 4 and the read sent again at
// once; at COUNT 1 the entry itself is over the cap, is reported by oversizedEntry() and
// read past. COUNT grows back once the reader has caught up (a read returned fewer
// entries than asked) or after kGrowAfter full reads in a row, doubling up to setCount's.
class RedisStreamReader : public QObject
{
    Q_OBJECT
public:
    explicit RedisStreamReader(const RedisConnectionOptions &options, QObject *parent = nullptr);

    // fromId: "$" = only entries added from now on, "0" = from the start, or an ID
    // already seen (read resumes after it).
    void addStream(const QByteArray &key, const QByteArray &fromId = QByteArrayLiteral("$"));
    void setBlockMs(int ms) { m_blockMs = ms; }
    void setCount(int count)
    {
        m_count = qMax(1, count);
        m_readCount = m_count;
        m_fullReads = 0;
    }
    int count() const { return m_count; }
    int currentCount() const { return m_readCount; } // lower after an oversized reply
    quint64 oversizedReplies() const { return m_oversized; }
    static constexpr int kCountDivisor = 4;
    static constexpr int kGrowAfter = 8;
    // Hot path: instead of the entries signal, each stream's part of an XREAD reply goes
    // to handler as hiredis' tree (an array of [id, [field, value, ...]] entries, valid
    // only during the call; lastId() already points past it, and the next XREAD is
    // already on its way). The handler must check every element's type: the tree is
    // whatever the server sent.
    using RawEntries = std::function<void(const QByteArray &stream, const redisReply *entries)>;
    void setRawEntries(RawEntries handler) { m_raw = std::move(handler); }

    void start();
    void stop();
    QByteArray lastId(const QByteArray &key) const { return m_lastIds.value(key); }
    RedisConnection *connection() const { return m_connection; }

    // What the last XINFO STREAM (run on every (re)connect before reading) said, so a
    // gap can be sized: with Redis 7's entries-added, the entries that are gone are
    // entries-added minus what was there before, what was read and what is left.
    struct StreamInfo
    {
        qint64 length = -1;
        qint64 entriesAdded = -1; // -1 before Redis 7
        QByteArray firstId;
    };
    StreamInfo streamInfo(const QByteArray &key) const { return m_info.value(key); }

Q_SIGNALS:
    void entries(const QByteArray &stream, const QList<switchboard::RedisStreamEntry> &batch);
    // Entries after lastId were deleted or trimmed before they could be read.
    void gapDetected(const QByteArray &stream, const QByteArray &lastId,
                     const QByteArray &firstAvailableId);
    void readError(const QString &message);
    // One entry is larger than a reply may be (message says by how much): it cannot be
    // shown, and reading goes on after it (lastId() is its ID now).
    void oversizedEntry(const QByteArray &stream, const QByteArray &id, const QString &message);
    // About to send the next XREAD: lastId() is where reading continues (a start ID of
    // "$" is pinned by now).
    void reading();

private:
    void onReady();
    void resolveStartIds();
    void checkGaps();
    int innerTimeoutMs() const;
    void readNext();
    void onReply(const RedisReply &reply);
    void onRawReply(const redisReply *reply);
    void onReadError(const RedisReply &reply);
    void onOversized(const RedisReply &reply);
    void noteRead(qsizetype entries); // COUNT grows back after reads that fit
    void retryLater(void (RedisStreamReader::*step)());

    RedisConnection *m_connection;
    RawEntries m_raw;
    QMap<QByteArray, QByteArray> m_lastIds; // ordered, so XREAD arguments are stable
    QMap<QByteArray, StreamInfo> m_info;
    int m_blockMs = 1000;
    int m_count = 100;
    int m_readCount = 100; // COUNT of the next XREAD: m_count, or less after an oversized reply
    int m_fullReads = 0; // reads in a row that returned m_readCount entries
    quint64 m_oversized = 0;
    bool m_running = false;
    bool m_reading = false;
    quint64 m_round = 0; // bumps on every (re)start so stale callbacks are ignored
};

} // namespace switchboard
