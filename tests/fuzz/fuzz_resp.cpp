// The RESP reader with its budgets (BoundedReplyReader over hiredis' parser and the reply
// arena), and what the console does with a reply tree: RedisReply::fromHiredis (every
// reply), and the events tail's in-place parse of stream entries
// (RecoveryEventTailWorker::rowFor, the hot path) against its copying twin.
//
// Input: byte 0 picks how the bytes arrive (chunk sizes), byte 1 the budgets, byte 2 how
// long replies are held before release; the rest is what "the server" sent.
// Invariants: no crash or leak; a reply never announces more elements in total than the
// budget, nor takes more arena bytes than allowed; an error has a text; strings are
// NUL-terminated at their length; RedisReply mirrors the tree; a stream entry gives the
// same row (type, reason, fields) whether parsed in place or from a copy.
#include "FuzzSupport.h"
#include "core/redis/BoundedReplyReader.h"
#include "core/redis/RedisReply.h"
#include "core/redis/RedisStreamEntry.h"
#include "core/services/RecoveryEventTailWorker.h"
#include "core/types/RecoveryEventRowInterner.h"

#include <deque>
#include <hiredis/hiredis.h>

using namespace switchboard;

namespace {

bool isString(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

// Walks a tree: checks strings and element slots, counts array elements.
qint64 walk(const redisReply *r, int depth)
{
    FUZZ_CHECK(r, QStringLiteral("null element"));
    FUZZ_CHECK(depth < 16, QStringLiteral("tree deeper than hiredis allows"));
    switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        FUZZ_CHECK(r->str && r->str[r->len] == '\0', QStringLiteral("string not terminated"));
        return 0;
    case REDIS_REPLY_ARRAY: {
        qint64 n = qint64(r->elements);
        for (size_t i = 0; i < r->elements; ++i)
            n += walk(r->element[i], depth + 1);
        return n;
    }
    case REDIS_REPLY_INTEGER:
    case REDIS_REPLY_NIL:
        return 0;
    default:
        fuzz::fail(__FILE__, __LINE__, "unknown reply type", QString::number(r->type));
    }
}

void sameTree(const redisReply *r, const RedisReply &copy)
{
    switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        FUZZ_CHECK(copy.data() == QByteArray(r->str, qsizetype(r->len)), copy.toDebugText());
        break;
    case REDIS_REPLY_INTEGER:
        FUZZ_CHECK(copy.isInteger() && copy.integer() == r->integer, copy.toDebugText());
        break;
    case REDIS_REPLY_ARRAY:
        FUZZ_CHECK(copy.isArray() && copy.size() == qsizetype(r->elements), copy.toDebugText());
        for (size_t i = 0; i < r->elements; ++i)
            sameTree(r->element[i], copy.at(qsizetype(i)));
        break;
    default:
        FUZZ_CHECK(copy.isNil(), copy.toDebugText());
    }
}

// The events tail's two parsers of one stream entry [id, [name, value, ...]].
void streamEntry(const redisReply *entry, RecoveryEventRowInterner *interner)
{
    RecoveryEventRow raw;
    const bool parsed = RecoveryEventTailWorker::rowFor(entry, &raw, interner);
    const bool shaped
        = entry->type == REDIS_REPLY_ARRAY && entry->elements == 2 && isString(entry->element[0]);
    FUZZ_CHECK(parsed == shaped, QStringLiteral("rowFor took a malformed entry or refused one"));
    if (!parsed)
        return;
    FUZZ_CHECK(raw.type != RecoveryEventRow::Type::Gap, raw.problem);
    FUZZ_CHECK(raw.type == RecoveryEventRow::Type::Event || !raw.problem.isEmpty(), QString());
    const redisReply *fv = entry->element[1];
    if (fv->type != REDIS_REPLY_ARRAY || fv->elements % 2 != 0)
        return;
    RedisStreamEntry copy;
    copy.id = QByteArray(entry->element[0]->str, qsizetype(entry->element[0]->len));
    for (size_t i = 0; i < fv->elements; i += 2) {
        if (!isString(fv->element[i]) || !isString(fv->element[i + 1]))
            return; // the copying path cannot see these; only the raw one says so
        copy.fields.append(
            {QByteArray(fv->element[i]->str, qsizetype(fv->element[i]->len)),
             QByteArray(fv->element[i + 1]->str, qsizetype(fv->element[i + 1]->len))});
    }
    const RecoveryEventRow twin = RecoveryEventTailWorker::rowFor(copy);
    FUZZ_CHECK(twin.type == raw.type && twin.problem == raw.problem,
               QStringLiteral("in place: %1 '%2'\ncopied: %3 '%4'")
                   .arg(int(raw.type))
                   .arg(raw.problem)
                   .arg(int(twin.type))
                   .arg(twin.problem));
    FUZZ_CHECK(twin.event.toFields() == raw.event.toFields(), raw.problem);
    FUZZ_CHECK(twin.event.streamId == raw.event.streamId, raw.event.streamId);
}

void use(const redisReply *reply, RecoveryEventRowInterner *interner)
{
    sameTree(reply, RedisReply::fromHiredis(reply));
    if (reply->type != REDIS_REPLY_ARRAY)
        return;
    // An XRANGE reply is a list of entries; an XREAD reply is [[key, [entries]], ...].
    for (size_t i = 0; i < reply->elements; ++i) {
        const redisReply *e = reply->element[i];
        streamEntry(e, interner);
        if (e->type == REDIS_REPLY_ARRAY && e->elements == 2 && isString(e->element[0])
            && e->element[1]->type == REDIS_REPLY_ARRAY) {
            const redisReply *list = e->element[1];
            for (size_t k = 0; k < list->elements; ++k)
                streamEntry(list->element[k], interner);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const uint8_t chunking = data[0];
    const uint8_t budgets = data[1];
    const int hold = data[2] % 4; // replies held at once before the oldest is released
    data += 3;
    size -= 3;
    const qint64 maxElements = 1 + qint64(budgets & 0x0f) * 97;
    const qint64 maxTreeBytes = qint64(1024) << ((budgets >> 4) & 0x0f); // 1 KiB .. 32 MiB

    BoundedReplyReader reader(maxElements, maxTreeBytes);
    RecoveryEventRowInterner interner(64);
    std::deque<void *> held;
    size_t at = 0;
    unsigned step = chunking;
    for (;;) {
        // Chunks of 1 .. 256 bytes, or everything at once.
        const size_t n = chunking == 0 ? size : std::min(size - at, size_t(1 + step % 256));
        if (n > 0)
            FUZZ_CHECK(reader.feed(reinterpret_cast<const char *>(data + at), n), QString());
        at += n;
        step = step * 33 + 7;
        bool failed = false;
        for (;;) {
            void *reply = nullptr;
            if (!reader.getReply(&reply)) {
                FUZZ_CHECK(!reader.errorText().isEmpty(), QString());
                failed = true; // the connection would be closed now
                break;
            }
            if (!reply)
                break;
            const auto *r = static_cast<const redisReply *>(reply);
            const qint64 elements = walk(r, 0);
            FUZZ_CHECK(elements <= maxElements,
                       QStringLiteral("%1 elements, budget %2").arg(elements).arg(maxElements));
            FUZZ_CHECK(qint64(reader.arena().bytesInUse()) <= maxTreeBytes,
                       QStringLiteral("%1 bytes").arg(reader.arena().bytesInUse()));
            use(r, &interner);
            held.push_back(reply);
            while (int(held.size()) > hold) {
                reader.releaseReply(held.front());
                held.pop_front();
            }
        }
        if (failed || at >= size)
            break;
    }
    while (!held.empty()) {
        reader.releaseReply(held.back());
        held.pop_back();
    }
    return 0;
}
