#pragma once
// hiredis's reply parser with a budget on aggregate sizes. hiredis 0.14 allocates an
// array's element vector as soon as it reads the header, so a hostile or broken server
// that sends `*1000000000` makes the client calloc gigabytes before a single element has
// arrived and before any byte cap can apply. This reader builds the same redisReply trees
// but keeps a reply within an element budget, a tree budget (maxTreeBytes) and a byte cap
// (maxReplyBytes).
//
// A reply over a budget fails that reply only, never the reader (issue 17): the reply is
// "poisoned", hiredis goes on parsing it to its end with objects that are not kept, a
// bulk string that would pass the cap is skipped in the byte stream instead of buffered,
// and getReply() then hands out a marker (isOversized()) in its place, with what was
// known about it (oversized()). The replies after it parse as ever, on the same reader.
//
// The trees live in a ReplyArena, not in one malloc per object: a reply from getReply()
// belongs to the reader and is given back with releaseReply(), never freeReplyObject()
// (which would free() arena memory). When every reply handed out has been released and
// no reply is half-parsed, the arena is reset for the next one.
//
// It also feeds hiredis in small chunks. hiredis compacts its buffer (memmove of all that
// is left) on every redisReaderGetReply once 1 KiB has been consumed, so a socket read of
// a few MiB of small replies (10 000 HGETALL of a first poll) cost O(n^2): perf showed
// sdsrange's memmove as the largest part of the processes view's first-poll socket
// reads. Received bytes wait here and go to hiredis kFeedChunk at a time, when it has no
// complete reply left, so each compaction moves at most about one chunk.
#include "core/redis/ReplyArena.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QtGlobal>

#include <deque>
#include <hiredis/hiredis.h>
#include <hiredis/read.h>

namespace switchboard {

class BoundedReplyReader
{
public:
    // maxTreeBytes bounds the memory of one reply's tree (objects, vectors, strings);
    // maxReplyBytes the bytes of one reply as parsed (the connection's maxReplyBytes).
    explicit BoundedReplyReader(qint64 maxElements, qint64 maxTreeBytes = kDefaultMaxTreeBytes,
                                qint64 maxReplyBytes = kDefaultMaxReplyBytes);
    ~BoundedReplyReader();
    BoundedReplyReader(const BoundedReplyReader &) = delete;
    BoundedReplyReader &operator=(const BoundedReplyReader &) = delete;

    // redisReaderFeed / redisReaderGetReply with the budgets applied. getReply returns
    // false only on a protocol error (the reader is unusable then); errorText() says
    // which. A reply over a budget is handed out as the oversized marker. The reply (a
    // redisReply tree) stays valid until it is given to releaseReply(); replies may be
    // held and released in any order, the arena is reused once all are released.
    bool feed(const char *data, size_t size);
    bool feed(const QByteArray &data); // keeps (shares) the bytes: no copy
    bool getReply(void **reply);
    void releaseReply(void *reply);
    QString errorText() const;
    size_t bufferedBytes() const; // received, not yet parsed into a reply
    size_t parserBytes() const; // of those, given to hiredis already (at most ~kFeedChunk)
    // Part of a reply has been read (or a string past the cap is being skipped): the
    // server is sending, not silent.
    bool replyInProgress() const;

    // What is known of a reply that broke a budget; read it when getReply() handed out
    // the marker (valid until the next getReply()). The marker itself is a REDIS_REPLY_ERROR
    // with `reason` as its text, so a caller that does not look still sees an error, and it
    // is released like any reply.
    struct Oversized
    {
        QString reason; // "over the 64 MiB reply cap: a 73400320-byte string, not read"
        qint64 bytes = -1; // the string or element count that broke it, -1 if none
        // For each array around the element that broke the budget, outermost first: its
        // first element when that is a string (and not on the way down), else empty. An
        // XREAD reply gives ["", key, "", entry id, ...], XRANGE ["", entry id, ...].
        QList<QByteArray> context;
        // Its index in each of those arrays, outermost first: XREAD [stream, 1, entry, 1,
        // field] (the entries before `entry` fitted), XRANGE [entry, 1, field].
        QList<int> path;
        QByteArray previous; // the element just before it in its array (a hash's field name)
    };
    bool isOversized(const void *reply) const { return reply == &m_marker; }
    const Oversized &oversized() const { return m_last; }
    quint64 oversizedCount() const { return m_oversizedCount; } // since construction

    static constexpr qsizetype kFeedChunk = 16 * 1024;
    static constexpr qint64 kDefaultMaxTreeBytes = qint64(256) * 1024 * 1024;
    static constexpr qint64 kDefaultMaxReplyBytes = qint64(64) * 1024 * 1024;
    // In a poisoned reply nothing is kept: bulk strings over this are skipped unread.
    static constexpr qint64 kSkipInPoisoned = 64 * 1024;
    // A line (status, error, integer, a header) is never this long: a protocol error
    // rather than a scan of an ever-growing buffer for its end.
    static constexpr qint64 kMaxLine = 1024 * 1024;
    static constexpr qsizetype kContextBytes = 512; // each context string is cut here
    const ReplyArena &arena() const { return m_arena; } // for tests

private:
    // hiredis' object functions (redisReplyObjectFunctions); task->privdata is the reader.
    static void *createString(const redisReadTask *task, char *str, size_t len);
    static void *createArray(const redisReadTask *task, int elements);
    static void *createInteger(const redisReadTask *task, long long value);
    static void *createNil(const redisReadTask *task);
    static void freeObject(void *reply);
    static redisReplyObjectFunctions s_functions;
    redisReply *createReply(const redisReadTask *task, int type);
    void *allocate(size_t size, size_t align);

    enum class Stall { Wait, Skipped, Failed };
    Stall onStall(); // hiredis has no complete reply: skip, poison or fail before feeding
    void poison(const QString &reason, qint64 bytes);
    void treeFull(); // out of line: allocate() stays small
    void tooManyElements(int elements);
    qint64 replyBytesParsed() const; // of the reply in progress
    void dropSkipped(); // the rest of a skipped string, from the backlog
    void finishReply(void **reply); // a reply came out of hiredis

    ReplyArena m_arena; // outlives redisReaderFree (in ~BoundedReplyReader's body)
    redisReader *m_reader;
    qint64 m_maxElements;
    qint64 m_elementsLeft; // of the reply being parsed
    qint64 m_maxTreeBytes;
    qint64 m_maxReplyBytes;
    bool m_poisoned = false; // the reply in progress broke a budget: nothing more is kept
    QString m_lineError; // a line over kMaxLine: the reader is unusable
    Oversized m_pending; // of the reply in progress, once poisoned
    Oversized m_last; // of the marker handed out last
    QByteArray m_markerText;
    redisReply m_marker {}; // handed out in place of a poisoned reply
    quint64 m_oversizedCount = 0;
    int m_outstanding = 0; // replies handed out, not yet released
    qint64 m_fed = 0; // bytes appended to hiredis' buffer (a skipped string counts as "0")
    qint64 m_replyStart = 0; // m_fed's count where the reply in progress began
    qint64 m_skip = 0; // bytes of a skipped string still to drop from what arrives
    std::deque<QByteArray> m_backlog; // received, not yet given to hiredis
    qsizetype m_backlogPos = 0; // of m_backlog.front(): given already
    qsizetype m_backlogBytes = 0; // not yet given
};

} // namespace switchboard
