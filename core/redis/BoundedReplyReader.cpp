#include "core/redis/BoundedReplyReader.h"

#include <QString>

#include <cstdlib>
#include <cstring>
#include <hiredis/hiredis.h>

namespace switchboard {

namespace {

// The reader whose reply is being parsed on this thread; set only inside getReply().
thread_local qint64 *t_elementsLeft = nullptr;
thread_local qint64 *t_refused = nullptr;

redisReply *createReply(const redisReadTask *task, int type)
{
    auto *r = static_cast<redisReply *>(std::calloc(1, sizeof(redisReply)));
    if (!r)
        return nullptr;
    r->type = type;
    if (task->parent) {
        auto *parent = static_cast<redisReply *>(task->parent->obj);
        parent->element[task->idx] = r;
    }
    return r;
}

void *createString(const redisReadTask *task, char *str, size_t len)
{
    char *buf = static_cast<char *>(std::malloc(len + 1));
    if (!buf)
        return nullptr;
    redisReply *r = createReply(task, task->type);
    if (!r) {
        std::free(buf);
        return nullptr;
    }
    std::memcpy(buf, str, len);
    buf[len] = '\0';
    r->str = buf;
    r->len = len;
    return r;
}

void *createArray(const redisReadTask *task, int elements)
{
    if (elements > 0) {
        if (!t_elementsLeft || elements > *t_elementsLeft) {
            if (t_refused)
                *t_refused = elements;
            return nullptr; // hiredis reports this as out of memory; we say why
        }
        *t_elementsLeft -= elements;
    }
    void **vector = nullptr;
    if (elements > 0) {
        vector = static_cast<void **>(std::calloc(size_t(elements), sizeof(redisReply *)));
        if (!vector)
            return nullptr;
    }
    redisReply *r = createReply(task, REDIS_REPLY_ARRAY);
    if (!r) {
        std::free(vector);
        return nullptr;
    }
    r->element = reinterpret_cast<redisReply **>(vector);
    r->elements = size_t(qMax(0, elements));
    return r;
}

void *createInteger(const redisReadTask *task, long long value)
{
    redisReply *r = createReply(task, REDIS_REPLY_INTEGER);
    if (r)
        r->integer = value;
    return r;
}

void *createNil(const redisReadTask *task)
{
    return createReply(task, REDIS_REPLY_NIL);
}

redisReplyObjectFunctions g_functions
    = {createString, createArray, createInteger, createNil, freeReplyObject};

} // namespace

BoundedReplyReader::BoundedReplyReader(qint64 maxElements)
    : m_reader(redisReaderCreateWithFunctions(&g_functions))
    , m_maxElements(maxElements)
    , m_elementsLeft(maxElements)
{ }

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
    t_elementsLeft = &m_elementsLeft;
    t_refused = &m_refused;
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
    t_elementsLeft = nullptr;
    t_refused = nullptr;
    if (rc != REDIS_OK)
        return false;
    if (*reply)
        m_elementsLeft = m_maxElements; // the next reply has a budget of its own
    return true;
}

QString BoundedReplyReader::errorText() const
{
    if (!m_reader)
        return QStringLiteral("out of memory");
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
