#include "core/redis/BoundedReplyReader.h"

#include <QString>

#include <cstring>
#include <new>

// Skipping a bulk string and poisoning a reply rely on hiredis 0.14.1's reader internals,
// read in its read.c (tag v0.14.1), not guessed:
// - processItem() consumes the type byte ('$') with readBytes() before processBulkItem()
//   runs, and sets rstack[ridx].type = REDIS_REPLY_STRING; processBulkItem() returns
//   without moving r->pos while "N\r\n" or the N data bytes + "\r\n" are not all in the
//   buffer. So while redisReaderGetReply() has no reply and rstack[ridx].type is
//   REDIS_REPLY_STRING, buf[pos, len) is "N\r\n" (or less of it) plus part of the data.
//   (Its compaction, sdsrange(buf, pos, -1) once pos >= 1024, keeps that true.)
// - moveToNextTask() resets a finished element's type to -1 or pops the stack, so a
//   STRING task on top is always one waiting for its bytes.
// - Objects only travel through r->reply (the root) and rstack[].obj (parents for the
//   create functions); hiredis never reads or writes inside them. So after a budget is
//   broken the create functions may return one static dummy for everything.
// - r->buf is an sds: truncating it (what sdsrange(buf, 0, pos - 1) does: sdssetlen and a
//   NUL) and setting r->len = sdslen(buf) is what redisReaderGetReply() itself does when
//   it compacts; redisReaderFeed() then appends with sdscatlen.
// A later hiredis (1.x: rstack is a pointer, RESP3 types) needs this read again.
static_assert(HIREDIS_MAJOR == 0 && HIREDIS_MINOR == 14,
              "BoundedReplyReader relies on hiredis 0.14's reader internals; see above");
static_assert(sizeof(redisReader::rstack) == 9 * sizeof(redisReadTask),
              "hiredis 0.14's reader has a fixed task stack of 9");

namespace switchboard {

namespace {

// Returned by the create functions once a reply is poisoned: never linked, never read.
redisReply s_dummy {};

QString capText(qint64 bytes)
{
    constexpr qint64 mib = 1024 * 1024;
    if (bytes >= mib && bytes % mib == 0)
        return QStringLiteral("%1 MiB").arg(bytes / mib);
    return QStringLiteral("%1-byte").arg(bytes);
}

bool isStringReply(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

} // namespace

redisReplyObjectFunctions BoundedReplyReader::s_functions
    = {BoundedReplyReader::createString, BoundedReplyReader::createArray,
       BoundedReplyReader::createInteger, BoundedReplyReader::createNil,
       BoundedReplyReader::freeObject};

// The paths where a budget breaks are out of line (and cold), so the ones every object
// takes stay as small as before (measured: a message built inline made allocate() ~10x
// larger and the parse of an XREAD reply ~4 % slower).
Q_NEVER_INLINE Q_DECL_COLD_FUNCTION void BoundedReplyReader::treeFull()
{
    poison(QStringLiteral("the reply's tree needed more than the %1 allowed")
               .arg(capText(m_maxTreeBytes)),
           -1);
}

Q_NEVER_INLINE Q_DECL_COLD_FUNCTION void BoundedReplyReader::tooManyElements(int elements)
{
    poison(QStringLiteral("the reply announced %1 elements, more than the %2 allowed")
               .arg(elements)
               .arg(m_maxElements),
           elements);
}

void *BoundedReplyReader::allocate(size_t size, size_t align)
{
    if (Q_UNLIKELY(qint64(m_arena.bytesInUse() + size) > m_maxTreeBytes)) {
        treeFull();
        return nullptr;
    }
    return m_arena.allocate(size, align); // nullptr when malloc fails: hiredis says OOM
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
    if (Q_UNLIKELY(self->m_poisoned))
        return &s_dummy;
    redisReply *r = self->createReply(task, task->type);
    if (!r)
        return self->m_poisoned ? &s_dummy : nullptr;
    char *buf = static_cast<char *>(self->allocate(len + 1, 1));
    if (!buf) // r stays in the arena (reclaimed with it); the reply is not handed out
        return self->m_poisoned ? &s_dummy : nullptr;
    std::memcpy(buf, str, len);
    buf[len] = '\0';
    r->str = buf;
    r->len = len;
    return r;
}

void *BoundedReplyReader::createArray(const redisReadTask *task, int elements)
{
    auto *self = static_cast<BoundedReplyReader *>(task->privdata);
    if (Q_UNLIKELY(self->m_poisoned))
        return &s_dummy;
    if (elements > 0) {
        if (Q_UNLIKELY(elements > self->m_elementsLeft)) {
            // Nothing is allocated for it: hiredis walks its elements with the dummy.
            self->tooManyElements(elements);
            return &s_dummy;
        }
        self->m_elementsLeft -= elements;
    }
    redisReply **vector = nullptr;
    if (elements > 0) {
        vector = static_cast<redisReply **>(
            self->allocate(size_t(elements) * sizeof(redisReply *), alignof(redisReply *)));
        if (!vector)
            return self->m_poisoned ? &s_dummy : nullptr;
        // hiredis fills every slot before the reply is complete; zeroed anyway so a reply
        // half-built when a budget broke holds no stray pointers.
        std::memset(vector, 0, size_t(elements) * sizeof(redisReply *));
    }
    redisReply *r = self->createReply(task, REDIS_REPLY_ARRAY);
    if (!r)
        return self->m_poisoned ? &s_dummy : nullptr;
    r->element = vector;
    r->elements = size_t(qMax(0, elements));
    return r;
}

void *BoundedReplyReader::createInteger(const redisReadTask *task, long long value)
{
    auto *self = static_cast<BoundedReplyReader *>(task->privdata);
    if (Q_UNLIKELY(self->m_poisoned))
        return &s_dummy;
    redisReply *r = self->createReply(task, REDIS_REPLY_INTEGER);
    if (r)
        r->integer = value;
    return r ? r : (self->m_poisoned ? &s_dummy : nullptr);
}

void *BoundedReplyReader::createNil(const redisReadTask *task)
{
    auto *self = static_cast<BoundedReplyReader *>(task->privdata);
    if (Q_UNLIKELY(self->m_poisoned))
        return &s_dummy;
    redisReply *r = self->createReply(task, REDIS_REPLY_NIL);
    return r ? r : (self->m_poisoned ? &s_dummy : nullptr);
}

// hiredis frees a half-built reply this way after an error, and in redisReaderFree: the
// memory belongs to the arena, reclaimed at its next reset or when the reader goes.
void BoundedReplyReader::freeObject(void *) { }

BoundedReplyReader::BoundedReplyReader(qint64 maxElements, qint64 maxTreeBytes,
                                       qint64 maxReplyBytes)
    : m_reader(redisReaderCreateWithFunctions(&s_functions))
    , m_maxElements(maxElements)
    , m_elementsLeft(maxElements)
    , m_maxTreeBytes(maxTreeBytes)
    , m_maxReplyBytes(maxReplyBytes)
{
    if (m_reader)
        m_reader->privdata = this; // (redisReaderSetPrivdata casts the pointer to int)
    m_marker.type = REDIS_REPLY_ERROR;
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
        if (m_skip > 0)
            dropSkipped();
    }
    return true;
}

void BoundedReplyReader::dropSkipped()
{
    while (m_skip > 0 && !m_backlog.empty()) {
        const QByteArray &front = m_backlog.front();
        const qsizetype n = qsizetype(qMin<qint64>(m_skip, front.size() - m_backlogPos));
        m_skip -= n;
        m_backlogPos += n;
        m_backlogBytes -= n;
        if (m_backlogPos >= front.size()) {
            m_backlog.pop_front();
            m_backlogPos = 0;
        }
    }
}

qint64 BoundedReplyReader::replyBytesParsed() const
{
    return m_fed - qint64(m_reader->len - m_reader->pos) - m_replyStart;
}

void BoundedReplyReader::poison(const QString &reason, qint64 bytes)
{
    if (m_poisoned)
        return;
    m_poisoned = true;
    m_pending = Oversized();
    m_pending.reason = reason;
    m_pending.bytes = bytes;
    // Where it broke, from hiredis' task stack (free on the path that does not break): the
    // arrays around it were built before it, and their elements before it are linked.
    const redisReader *r = m_reader;
    if (!r || r->ridx < 0)
        return;
    const auto cut = [](const redisReply *s) {
        return QByteArray(s->str, qsizetype(qMin(s->len, size_t(kContextBytes))));
    };
    for (int level = 1; level <= r->ridx && level < 9; ++level) {
        const redisReadTask &task = r->rstack[level];
        const auto *array
            = task.parent ? static_cast<const redisReply *>(task.parent->obj) : nullptr;
        QByteArray first;
        if (array && array != &s_dummy && task.idx > 0 && array->elements > 0
            && isStringReply(array->element[0]))
            first = cut(array->element[0]);
        m_pending.context.append(first);
        m_pending.path.append(task.idx);
        if (level == r->ridx) {
            if (array && array != &s_dummy && task.idx > 0 && size_t(task.idx) <= array->elements
                && isStringReply(array->element[task.idx - 1]))
                m_pending.previous = cut(array->element[task.idx - 1]);
        }
    }
}

BoundedReplyReader::Stall BoundedReplyReader::onStall()
{
    redisReader *r = m_reader;
    if (r->ridx < 0)
        return Stall::Wait;
    const redisReadTask &cur = r->rstack[r->ridx];
    const char *p = r->buf + r->pos;
    const size_t avail = r->len - r->pos;
    if (!m_poisoned && replyBytesParsed() > m_maxReplyBytes)
        poison(QStringLiteral("over the %1 reply cap").arg(capText(m_maxReplyBytes)), -1);
    if (cur.type == REDIS_REPLY_STRING) {
        // "N\r\n": hiredis has checked it already if the CR LF is here (a bad one is its
        // protocol error), so it is a valid length and the data is not all in yet.
        const size_t look = qMin(avail, size_t(24));
        const auto *cr = static_cast<const char *>(std::memchr(p, '\r', look));
        if (cr && size_t(cr - p) + 1 < avail && cr[1] == '\n' && cr > p && p[0] != '-') {
            qint64 n = 0;
            bool ok = true;
            for (const char *d = p; d < cr && ok; ++d) {
                ok = *d >= '0' && *d <= '9' && n < (qint64(1) << 56);
                n = n * 10 + (*d - '0');
            }
            const qint64 header = qint64(cr - p) + 2;
            const qint64 total = header + n + 2; // n < 2^56: no overflow
            const qint64 room = m_poisoned
                ? kSkipInPoisoned
                : qMin(m_maxReplyBytes - replyBytesParsed(),
                       m_maxTreeBytes - qint64(m_arena.bytesInUse()) - qint64(sizeof(redisReply)));
            if (!ok || total <= room)
                return Stall::Wait;
            if (!m_poisoned)
                poison(QStringLiteral("over the %1 reply cap: a %2-byte string, not read")
                           .arg(capText(m_maxReplyBytes))
                           .arg(n),
                       n);
            // Cut what hiredis holds of it, put an empty string in its place and drop the
            // rest of its bytes as they arrive. (sdsrange(buf, 0, pos - 1), done with the
            // header's inline functions: sds.h declares its functions without extern "C".)
            sdssetlen(r->buf, r->pos);
            r->buf[r->pos] = '\0';
            r->len = sdslen(r->buf);
            m_fed -= qint64(avail);
            if (redisReaderFeed(r, "0\r\n\r\n", 5) != REDIS_OK)
                return Stall::Failed;
            m_fed += 5;
            m_skip = total - qint64(avail);
            dropSkipped();
            return Stall::Skipped;
        }
    }
    if (qint64(avail) > kMaxLine) {
        m_lineError
            = QStringLiteral("a line of more than %1 bytes without its end").arg(qint64(kMaxLine));
        return Stall::Failed;
    }
    return Stall::Wait;
}

void BoundedReplyReader::finishReply(void **reply)
{
    if (m_poisoned) {
        // The tree (if any) stays in the arena until this marker is released.
        m_last = std::move(m_pending);
        m_pending = Oversized();
        m_markerText = m_last.reason.toUtf8();
        m_marker.str = m_markerText.data();
        m_marker.len = size_t(m_markerText.size());
        *reply = &m_marker;
        m_poisoned = false;
        ++m_oversizedCount;
    }
    m_elementsLeft = m_maxElements; // the next reply has a budget of its own
    m_replyStart = m_fed - qint64(m_reader->len - m_reader->pos);
    ++m_outstanding;
}

bool BoundedReplyReader::getReply(void **reply)
{
    *reply = nullptr;
    if (!m_reader || !m_lineError.isEmpty())
        return false;
    for (;;) {
        if (redisReaderGetReply(m_reader, reply) != REDIS_OK)
            return false;
        if (*reply)
            break;
        // hiredis has no complete reply. Stalled on a string too big for the reply's
        // budget: skipped (and parsed on at once); else give it the next chunk.
        const Stall stall = onStall();
        if (stall == Stall::Failed)
            return false;
        if (stall == Stall::Skipped)
            continue;
        if (m_backlog.empty())
            return true;
        const QByteArray &front = m_backlog.front();
        const qsizetype n = qMin(kFeedChunk, front.size() - m_backlogPos);
        if (redisReaderFeed(m_reader, front.constData() + m_backlogPos, size_t(n)) != REDIS_OK)
            return false;
        m_fed += n;
        m_backlogPos += n;
        m_backlogBytes -= n;
        if (m_backlogPos >= front.size()) {
            m_backlog.pop_front();
            m_backlogPos = 0;
        }
    }
    finishReply(reply);
    return true;
}

void BoundedReplyReader::releaseReply(void *reply)
{
    if (!reply)
        return;
    Q_ASSERT(m_outstanding > 0);
    if (m_outstanding > 0) // (a double release must not keep the arena from resetting)
        --m_outstanding;
    // A reply half-parsed has objects in the arena too. With only the root task on the
    // stack it has none yet (a root that is not an array is made when it is complete, an
    // array pushes a task for its elements): hiredis sits there after the last reply of
    // a read whose bytes it has not compacted away.
    if (m_outstanding == 0 && (!m_reader || m_reader->ridx <= 0))
        m_arena.reset();
}

QString BoundedReplyReader::errorText() const
{
    if (!m_reader)
        return QStringLiteral("out of memory");
    if (!m_lineError.isEmpty())
        return m_lineError;
    return QString::fromUtf8(m_reader->errstr);
}

size_t BoundedReplyReader::bufferedBytes() const
{
    return m_reader ? m_reader->len - m_reader->pos + size_t(m_backlogBytes) : 0;
}

bool BoundedReplyReader::replyInProgress() const
{
    return m_skip > 0 || m_backlogBytes > 0
        || (m_reader && (m_reader->ridx > 0 || m_reader->len > m_reader->pos));
}

size_t BoundedReplyReader::parserBytes() const
{
    return m_reader ? m_reader->len - m_reader->pos : 0;
}

} // namespace switchboard
