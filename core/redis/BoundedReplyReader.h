#pragma once
// hiredis's reply parser with a budget on aggregate sizes. hiredis 0.14 allocates an
// array's element vector as soon as it reads the header, so a hostile or broken server
// that sends `*1000000000` makes the client calloc gigabytes before a single element has
// arrived and before any byte cap can apply. This reader builds the same redisReply trees
// (freed with freeReplyObject) but refuses a reply whose aggregates announce more
// elements in total than the budget.
//
// It also feeds hiredis in small chunks. hiredis compacts its buffer (memmove of all that
// is left) on every redisReaderGetReply once 1 KiB has been consumed, so a socket read of
// a few MiB of small replies (10 000 HGETALL of a first poll) cost O(n^2): perf showed
// sdsrange's memmove as the largest part of the processes view's first-poll socket
// reads. Received bytes wait here and go to hiredis kFeedChunk at a time, when it has no
// complete reply left, so each compaction moves at most about one chunk.
#include <QByteArray>
#include <QtGlobal>

#include <deque>
#include <hiredis/read.h>

namespace switchboard {

class BoundedReplyReader
{
public:
    explicit BoundedReplyReader(qint64 maxElements);
    ~BoundedReplyReader();
    BoundedReplyReader(const BoundedReplyReader &) = delete;
    BoundedReplyReader &operator=(const BoundedReplyReader &) = delete;

    // redisReaderFeed / redisReaderGetReply with the budget applied. getReply returns
    // false on a protocol error or an exceeded budget; errorText() says which.
    bool feed(const char *data, size_t size);
    bool feed(const QByteArray &data); // keeps (shares) the bytes: no copy
    bool getReply(void **reply);
    QString errorText() const;
    size_t bufferedBytes() const; // received, not yet parsed into a reply
    size_t parserBytes() const; // of those, given to hiredis already (at most ~kFeedChunk)
    static constexpr qsizetype kFeedChunk = 16 * 1024;

private:
    redisReader *m_reader;
    qint64 m_maxElements;
    qint64 m_elementsLeft; // of the reply being parsed
    qint64 m_refused = 0; // the element count that broke the budget, for the message
    std::deque<QByteArray> m_backlog; // received, not yet given to hiredis
    qsizetype m_backlogPos = 0; // of m_backlog.front(): given already
    qsizetype m_backlogBytes = 0; // not yet given
};

} // namespace switchboard
