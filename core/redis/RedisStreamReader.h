#pragma once
#include "core/redis/RedisConnection.h"
#include "core/redis/RedisStreamEntry.h"

#include <QElapsedTimer>
#include <QMap>
#include <QObject>
#include <QSet>

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
//
// Identity: an ID only means something in the stream it came from. The reader reads the
// server's run_id once per connection (INFO server) and checks each stream with XINFO
// STREAM after every (re)connect and at most once per identityCheckMs() while reading.
// A stream whose last-generated-id is below the last ID read went backwards (failover to
// a server behind, or recreated); one whose entries-added fell below what was seen was
// replaced; a changed run_id means another server (a failover or a restart): the stream
// is kept only if it still holds the last entry read. In each case identityChanged() says
// so, and a stream that is not the one read before is read again from up to count()
// entries before the last ID read (so nothing at or below it is skipped silently; what
// was read before is shown again).
class RedisStreamReader : public QObject
{
    Q_OBJECT
public:
    explicit RedisStreamReader(const RedisConnectionOptions &options, QObject *parent = nullptr);

    // fromId: "$" = only entries added from now on, "0" = from the start, or an ID
    // already seen (read resumes after it).
    void addStream(const QByteArray &key, const QByteArray &fromId = QByteArrayLiteral("$"));
    void setBlockMs(int ms) { m_blockMs = ms; }
    // Streams are checked (XINFO STREAM) after every (re)connect and then at most once per
    // this many ms while reading (before the next XREAD); 0 = only on (re)connect.
    void setIdentityCheckMs(int ms) { m_identityCheckMs = qMax(0, ms); }
    int identityCheckMs() const { return m_identityCheckMs; }
    static constexpr int kIdentityCheckMs = 5000;
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
        QByteArray lastGeneratedId; // XINFO's last-generated-id (empty: none)
    };
    QByteArray runId() const { return m_runId; } // empty until INFO answered (or refused)

    // Why a stream is not the one read before. Text for people is the consumer's.
    struct IdentityChange
    {
        enum class Kind : quint8 {
            WentBack, // last-generated-id < the last ID read
            Replaced, // entries-added fell, or the stream was deleted
            ServerChanged, // another run_id; `resumeAfter` set if the stream is not the same
        };
        Kind kind = Kind::WentBack;
        QByteArray lastRead; // the last ID read before
        QByteArray streamLast; // the stream's last-generated-id now (empty: no stream)
        QByteArray resumeAfter; // where reading goes on (empty: unchanged, at lastRead)
        qint64 addedSeen = -1; // entries-added seen before (-1: unknown)
        qint64 addedNow = -1; // entries-added now (-1: unknown)
        QByteArray oldRunId, newRunId; // ServerChanged
    };
    StreamInfo streamInfo(const QByteArray &key) const { return m_info.value(key); }

Q_SIGNALS:
    void entries(const QByteArray &stream, const QList<switchboard::RedisStreamEntry> &batch);
    // Entries after lastId were deleted or trimmed before they could be read.
    void gapDetected(const QByteArray &stream, const QByteArray &lastId,
                     const QByteArray &firstAvailableId);
    // The stream is not the one read before (see IdentityChange). Emitted before any
    // entry read from its new position.
    void identityChanged(const QByteArray &stream,
                         const switchboard::RedisStreamReader::IdentityChange &change);
    void readError(const QString &message);
    // One entry is larger than a reply may be (message says by how much): it cannot be
    // shown, and reading goes on after it (lastId() is its ID now).
    void oversizedEntry(const QByteArray &stream, const QByteArray &id, const QString &message);
    // About to send the next XREAD: lastId() is where reading continues (a start ID of
    // "$" is pinned by now).
    void reading();

private:
    void onReady();
    void readRunId();
    void resolveStartIds();
    void checkGaps(); // every stream, after a (re)connect
    void checkStreams(const QList<QByteArray> &keys, bool afterConnect);
    // The XINFO STREAM reply for `key`: identity, then (after a connect) trim gaps. Calls
    // done() when its part is over (it may first re-position with one XREVRANGE).
    void judgeStream(const QByteArray &key, const RedisReply &reply, bool afterConnect,
                     const std::function<void()> &done);
    void reposition(const QByteArray &key, IdentityChange change,
                    const std::function<void()> &done);
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
    QMap<QByteArray, qint64> m_seenAdded; // highest entries-added seen per stream
    QMap<QByteArray, qint64> m_checkedAt; // m_clock time of the last XINFO per stream
    QElapsedTimer m_clock;
    QByteArray m_runId;
    QByteArray m_previousRunId; // set while streams are checked after a run_id change
    QSet<QByteArray> m_unconfirmed; // streams not checked since the run_id changed
    int m_identityCheckMs = kIdentityCheckMs;
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
