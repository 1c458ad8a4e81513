#pragma once
// hiredis's reply parser with a budget on aggregate sizes. hiredis 0.14 allocates an
// array's element vector as soon as it reads the header, so a hostile or broken server
// that sends `*1000000000` makes the client calloc gigabytes before a single element has
// arrived and before any byte cap can apply. This reader builds the same redisReply trees
// but refuses a reply whose aggregates announce more elements in total than the budget,
// or whose tree would take more than maxTreeBytes.
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
#include <QtGlobal>

#include <deque>
#include <hiredis/read.h>

struct redisReply;

namespace switchboard {

class BoundedReplyReader
{
public:
    // maxTreeBytes bounds the memory of one reply's tree (objects, vectors, strings);
    // the wire bytes are capped by the connection (RedisConnectionOptions::maxReplyBytes).
    explicit BoundedReplyReader(qint64 maxElements, qint64 maxTreeBytes = kDefaultMaxTreeBytes);
    ~BoundedReplyReader();
    BoundedReplyReader(const BoundedReplyReader &) = delete;
    BoundedReplyReader &operator=(const BoundedReplyReader &) = delete;

    // redisReaderFeed / redisReaderGetReply with the budget applied. getReply returns
    // false on a protocol error or an exceeded budget; errorText() says which. The reply
    // (a redisReply tree) stays valid until it is given to releaseReply(); replies may be
    // held and released in any order, the arena is reused once all are released.
    bool feed(const char *data, size_t size);
    bool feed(const QByteArray &data); // keeps (shares) the bytes: no copy
    bool getReply(void **reply);
    void releaseReply(void *reply);
    QString errorText() const;
    size_t bufferedBytes() const; // received, not yet parsed into a reply
    size_t parserBytes() const; // of those, given to hiredis already (at most ~kFeedChunk)
    static constexpr qsizetype kFeedChunk = 16 * 1024;
    static constexpr qint64 kDefaultMaxTreeBytes = qint64(256) * 1024 * 1024;
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

    ReplyArena m_arena; // outlives redisReaderFree (in ~BoundedReplyReader's body)
    redisReader *m_reader;
    qint64 m_maxElements;
    qint64 m_elementsLeft; // of the reply being parsed
    qint64 m_maxTreeBytes;
    qint64 m_refused = 0; // the element count that broke the budget, for the message
    bool m_treeTooBig = false;
    int m_outstanding = 0; // replies handed out, not yet released
    std::deque<QByteArray> m_backlog; // received, not yet given to hiredis
    qsizetype m_backlogPos = 0; // of m_backlog.front(): given already
    qsizetype m_backlogBytes = 0; // not yet given
};

} // namespace switchboard
