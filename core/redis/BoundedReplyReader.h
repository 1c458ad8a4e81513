#pragma once
// hiredis's reply parser with a budget on aggregate sizes. hiredis 0.14 allocates an
// array's element vector as soon as it reads the header, so a hostile or broken server
// that sends `*1000000000` makes the client calloc gigabytes before a single element has
// arrived and before any byte cap can apply. This reader builds the same redisReply trees
// (freed with freeReplyObject) but refuses a reply whose aggregates announce more
// elements in total than the budget.
#include <QtGlobal>

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
    bool getReply(void **reply);
    QString errorText() const;
    size_t bufferedBytes() const; // received, not yet parsed into a reply

private:
    redisReader *m_reader;
    qint64 m_maxElements;
    qint64 m_elementsLeft; // of the reply being parsed
    qint64 m_refused = 0; // the element count that broke the budget, for the message
};

} // namespace switchboard
