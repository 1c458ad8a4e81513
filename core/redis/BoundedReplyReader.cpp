#include "core/redis/BoundedReplyReader.h"

#include <QString>

#include <cstring>
#include <hiredis/hiredis.h>
#include <new>

namespace switchboard {

redisReplyObjectFunctions BoundedReplyReader::s_functions
    = {BoundedReplyReader::createString, BoundedReplyReader::createArray,
       BoundedReplyReader::createInteger, BoundedReplyReader::createNil,
       BoundedReplyReader::freeObject};

void *BoundedReplyReader::allocate(size_t size, size_t align)
{
    if (qint64(m_arena.bytesInUse() + size) > m_maxTreeBytes) {
        m_treeTooBig = true;
        return nullptr; // hiredis reports this as out of memory; errorText() says why
    }
    return m_arena.allocate(size, align);
}

redisReply *BoundedReplyReader::createReply(const redisReadTask *task, int type)
{
    void *at = allocate(sizeof(redisReply), alignof(redisReply));
    if (!at)
        return nullptr;
    auto *r = new (at) redisReply {}; // zeroed, as hiredis' calloc
    r->type = type;
    if (task->parent) {
        auto *parent = static_cast<redisReply *>(task->parent->obj);
        parent->element[task->idx] = r;
    }
    return r;
}

void *BoundedReplyReader::createString(const redisReadTask *task, char *str, size_t len)
{
    auto *self = static_cast<BoundedReplyReader *>(task->privdata);
    redisReply *r = self->createReply(task, task->type);
    if (!r)
        return nullptr;
    char *buf = static_cast<char *>(self->allocate(len + 1, 1));
    if (!buf)
        return nullptr; // r stays in the arena (reclaimed with it), unlinked by hiredis
    std::memcpy(buf, str, len);
    buf[len] = '\0';
    r->str = buf;
    r->len = len;
    return r;
}

void *BoundedReplyReader::createArray(const redisReadTask *task, int elements)
{
    auto *self = static_cast<BoundedReplyReader *>(task->privdata);
    if (elements > 0) {
        if (elements > self->m_elementsLeft) {
            self->m_refused = elements;
            return nullptr; // hiredis reports this as out of memory; we say why
        }
        self->m_elementsLeft -= elements;
    }
    redisReply **vector = nullptr;
    if (elements > 0) {
        vector = static_cast<redisReply **>(
            self->allocate(size_t(elements) * sizeof(redisReply *), alignof(redisReply *)));
        if (!vector)
            return nullptr;
        // hiredis fills every slot before the reply is complete; zeroed anyway so a reply
        // half-built when an error struck holds no stray pointers.
        std::memset(vector, 0, size_t(elements) * sizeof(redisReply *));
    }
    redisReply *r = self->createReply(task, REDIS_REPLY_ARRAY);
    if (!r)
        return nullptr;
    r->element = vector;
    r->elements = size_t(qMax(0, elements));
    return r;
}

void *BoundedReplyReader::createInteger(const redisReadTask *task, long long value)
{
    auto *self = static_cast<BoundedReplyReader *>(task->privdata);
    redisReply *r = self->createReply(task, REDIS_REPLY_INTEGER);
    if (r)
        r->integer = value;
    return r;
}

void *BoundedReplyReader::createNil(const redisReadTask *task)
{
    auto *self = static_cast<BoundedReplyReader *>(task->privdata);
    return self->createReply(task, REDIS_REPLY_NIL);
}

// hiredis frees a half-built reply this way after an error, and in redisReaderFree: the
// memory belongs to the arena, reclaimed at its next reset or when the reader goes.
void BoundedReplyReader::freeObject(void *) { }

BoundedReplyReader::BoundedReplyReader(qint64 maxElements, qint64 maxTreeBytes)
    : m_reader(redisReaderCreateWithFunctions(&s_functions))
    , m_maxElements(maxElements)
    , m_elementsLeft(maxElements)
    , m_maxTreeBytes(maxTreeBytes)
{
    if (m_reader)
        m_reader->privdata = this; // (redisReaderSetPrivdata casts the pointer to int)
}

BoundedReplyReader::~BoundedReplyReader()
{
    redisReaderFree(m_reader);
}

bool BoundedReplyReader::feed(const char *data, size_t size)
{
    return feed(QByteArray(data, qsizetype(size)));
}

bool BoundedReplyReader::feed(const QByteArray &data)
{
    if (!m_reader)
        return false;
    if (!data.isEmpty()) {
        m_backlog.push_back(data);
        m_backlogBytes += data.size();
    }
    return true;
}

bool BoundedReplyReader::getReply(void **reply)
{
    *reply = nullptr;
    if (!m_reader)
        return false;
    int rc = REDIS_OK;
    for (;;) {
        rc = redisReaderGetReply(m_reader, reply);
        if (rc != REDIS_OK || *reply || m_backlog.empty())
            break;
        // hiredis has no complete reply: give it the next chunk of what was received.
        const QByteArray &front = m_backlog.front();
        const qsizetype n = qMin(kFeedChunk, front.size() - m_backlogPos);
        if (redisReaderFeed(m_reader, front.constData() + m_backlogPos, size_t(n)) != REDIS_OK) {
            rc = REDIS_ERR;
            break;
        }
        m_backlogPos += n;
        m_backlogBytes -= n;
        if (m_backlogPos >= front.size()) {
            m_backlog.pop_front();
            m_backlogPos = 0;
        }
    }
    if (rc != REDIS_OK)
        return false;
    if (*reply) {
        m_elementsLeft = m_maxElements; // the next reply has a budget of its own
        ++m_outstanding;
    }
    return true;
}

void BoundedReplyReader::releaseReply(void *reply)
{
    if (!reply)
        return;
    Q_ASSERT(m_outstanding > 0);
    if (m_outstanding > 0) // (a double release must not keep the arena from resetting)
        --m_outstanding;
    // A reply half-parsed (hiredis' task stack in use) has objects in the arena too.
    if (m_outstanding == 0 && (!m_reader || m_reader->ridx == -1))
        m_arena.reset();
}

QString BoundedReplyReader::errorText() const
{
    if (!m_reader)
        return QStringLiteral("out of memory");
    if (m_treeTooBig)
        return QStringLiteral("a reply's tree needed more than the %1 MiB allowed")
            .arg(m_maxTreeBytes / (1024 * 1024));
    if (m_refused > 0)
        return QStringLiteral("a reply announced %1 elements, more than the %2 allowed")
            .arg(m_refused)
            .arg(m_maxElements);
    return QString::fromUtf8(m_reader->errstr);
}

size_t BoundedReplyReader::bufferedBytes() const
{
    return m_reader ? m_reader->len - m_reader->pos + size_t(m_backlogBytes) : 0;
}

size_t BoundedReplyReader::parserBytes() const
{
    return m_reader ? m_reader->len - m_reader->pos : 0;
}

} // namespace switchboard
