// BoundedReplyReader feeds hiredis in chunks: a read of several MiB of small replies used
// to sit in hiredis' buffer whole, and hiredis moves all that is left on every reply once
// 1 KiB is consumed (O(n^2): the processes view's first-poll socket reads, perf). The
// replies must still come out whole, in order, including ones that span many chunks, and
// a protocol error after good replies must still be reported.
//
// The trees are built in the reader's arena (ReplyArena) instead of one malloc per object:
// every tree must equal the one hiredis' own reader builds from the same bytes (nested
// arrays, nil, errors, integers, bulk strings across block boundaries and over the
// large-allocation threshold), stay intact while held (several at once, and while the
// next reply is half-parsed), the arena must be reused rather than grow, and the element
// and tree-size budgets must still refuse a hostile reply.
//
// A reply over a budget (the byte cap, the element or the tree budget) fails alone (issue
// 17): it comes out as the oversized marker saying where it broke, a string past the cap
// is skipped in the byte stream (never held by hiredis), and every reply after it parses
// exactly as hiredis' own reader parses it, whatever the piece sizes.
#include "core/redis/BoundedReplyReader.h"

#include <QRandomGenerator>
#include <QTest>

#include <cstring>
#include <hiredis/hiredis.h>

using namespace switchboard;

namespace {

QByteArray bulk(const QByteArray &s)
{
    return '$' + QByteArray::number(s.size()) + "\r\n" + s + "\r\n";
}

// Where two trees differ ("" when they are the same): type, integer, string bytes,
// element counts, recursively.
QString difference(const redisReply *a, const redisReply *b, const QString &path = QString())
{
    const QString at = path.isEmpty() ? QStringLiteral("root") : path;
    if (!a || !b)
        return a == b ? QString() : at + QStringLiteral(": null");
    if (a->type != b->type)
        return at + QStringLiteral(": type %1 vs %2").arg(a->type).arg(b->type);
    switch (a->type) {
    case REDIS_REPLY_INTEGER:
        return a->integer == b->integer ? QString() : at + QStringLiteral(": integer");
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        if (a->len != b->len || std::memcmp(a->str, b->str, a->len) != 0 || a->str[a->len] != 0)
            return at + QStringLiteral(": string of %1 vs %2 bytes").arg(a->len).arg(b->len);
        return QString();
    case REDIS_REPLY_ARRAY:
        if (a->elements != b->elements)
            return at + QStringLiteral(": %1 vs %2 elements").arg(a->elements).arg(b->elements);
        for (size_t i = 0; i < a->elements; ++i) {
            const QString d = difference(a->element[i], b->element[i],
                                         at + QLatin1Char('/') + QString::number(i));
            if (!d.isEmpty())
                return d;
        }
        return QString();
    default:
        return QString();
    }
}

// Every reply in `wire`, parsed by hiredis' own reader (malloc per object).
std::vector<redisReply *> referenceTrees(const QByteArray &wire)
{
    std::vector<redisReply *> out;
    redisReader *r = redisReaderCreate();
    redisReaderFeed(r, wire.constData(), size_t(wire.size()));
    for (;;) {
        void *reply = nullptr;
        if (redisReaderGetReply(r, &reply) != REDIS_OK || !reply)
            break;
        out.push_back(static_cast<redisReply *>(reply));
    }
    redisReaderFree(r);
    return out;
}

// A random RESP value: nested arrays up to `depth`, strings of 0 bytes to 100 KiB (over
// the arena's large-allocation threshold and its block size), integers, nil, status,
// errors, empty and nil arrays.
// `budget` bounds the values of one reply (arrays nest).
QByteArray randomValue(QRandomGenerator &rng, int depth, int &budget)
{
    --budget;
    const int kind = int(rng.bounded(depth > 0 && budget > 0 ? 8 : 6));
    switch (kind) {
    case 0: {
        const int len = rng.bounded(10) == 0 ? int(rng.bounded(100 * 1024)) : int(rng.bounded(40));
        QByteArray s(len, 'x');
        for (char &c : s)
            c = char(rng.bounded(256));
        return bulk(s);
    }
    case 1:
        return ':' + QByteArray::number(qint64(rng.generate64())) + "\r\n";
    case 2:
        return rng.bounded(2) ? QByteArray("$-1\r\n") : QByteArray("*-1\r\n");
    case 3:
        return "+OK " + QByteArray::number(rng.bounded(1000)) + "\r\n";
    case 4:
        return "-ERR wrong " + QByteArray::number(rng.bounded(1000)) + "\r\n";
    case 5:
        return bulk(QByteArray::number(rng.bounded(100000)));
    default: {
        const int n = qMin(budget, int(rng.bounded(rng.bounded(4) == 0 ? 300 : 6)));
        QByteArray out = '*' + QByteArray::number(n) + "\r\n";
        for (int i = 0; i < n; ++i)
            out += randomValue(rng, depth - 1, budget);
        return out;
    }
    }
}

// An XREAD reply like the events tail's: [[key, [[id, [f, v, ...]], ...]]].
QByteArray xreadReply(int entries, int firstId)
{
    QByteArray out
        = "*1\r\n*2\r\n" + bulk("agentops:events") + '*' + QByteArray::number(entries) + "\r\n";
    for (int i = 0; i < entries; ++i) {
        out += "*2\r\n" + bulk("1700000000000-" + QByteArray::number(firstId + i)) + "*8\r\n";
        out += bulk("kind") + bulk("tool_timeout") + bulk("agent") + bulk("triage");
        out += bulk("session_id") + bulk("sess-0001") + bulk("message")
            + bulk(QByteArray::number(firstId + i));
    }
    return out;
}

// One reply that breaks a budget of a reader made by poisonedReader(): a string past the
// byte cap (at the top, or inside nested arrays with more after it), an array announcing
// more elements than allowed, many small strings adding up past the cap.
constexpr qint64 kCap = 512 * 1024;
constexpr qint64 kElements = 5000;

QByteArray poisonedValue(QRandomGenerator &rng)
{
    const auto big = [&rng] {
        return bulk(QByteArray(int(kCap + 1 + rng.bounded(3 * kCap)), char('A' + rng.bounded(26))));
    };
    switch (rng.bounded(5)) {
    case 0:
        return big();
    case 1: { // XREAD-like: [[key, [[id, [f, v, ...]], ...]]] with one huge value inside
        const int entries = 1 + int(rng.bounded(5));
        const int culprit = int(rng.bounded(entries));
        QByteArray out = "*1\r\n*2\r\n" + bulk("k") + '*' + QByteArray::number(entries) + "\r\n";
        for (int i = 0; i < entries; ++i) {
            out += "*2\r\n" + bulk("1-" + QByteArray::number(i)) + "*4\r\n" + bulk("f");
            out += i == culprit ? big() : bulk("v");
            out += bulk("g") + (rng.bounded(2) ? big() : bulk("w")); // skipped when poisoned
        }
        return out;
    }
    case 2: { // more elements than the budget, in a nested array, then more
        QByteArray out = "*3\r\n:1\r\n*" + QByteArray::number(kElements + 1) + "\r\n";
        for (qint64 i = 0; i <= kElements; ++i)
            out += rng.bounded(50) == 0 ? "*2\r\n:1\r\n$-1\r\n" : QByteArray(":7\r\n");
        return out + bulk("after");
    }
    case 3: { // small strings adding up past the cap
        const int n = int(kCap / 100) + 200 + int(rng.bounded(500));
        QByteArray out = '*' + QByteArray::number(n) + "\r\n";
        for (int i = 0; i < n; ++i)
            out += bulk(QByteArray(100, 's'));
        return out;
    }
    default: { // a string past the cap after a deep prefix, strings past 64 KiB after it
        QByteArray out = "*1\r\n*1\r\n*3\r\n" + bulk("x") + big() + "*2\r\n"
            + bulk(QByteArray(200 * 1024, 'y')) + bulk(QByteArray(10, 'z'));
        return out;
    }
    }
}

} // namespace

class TestBoundedReplyReader : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void manySmallRepliesOfOneReadAreParsedFromSmallChunks()
    {
        // 20 000 HGETALL-like replies (~4 MiB) in one feed, then a 300 KiB bulk string
        // that spans many chunks, then more small replies.
        QByteArray wire;
        const int n = 20000;
        for (int i = 0; i < n; ++i)
            wire += "*4\r\n" + bulk("status") + bulk("online") + bulk("pm_id")
                + bulk(QByteArray::number(i));
        const QByteArray big(300 * 1024, 'b');
        wire += bulk(big);
        wire += ":42\r\n";
        BoundedReplyReader reader(1000);
        QVERIFY(reader.feed(wire));
        QCOMPARE(reader.bufferedBytes(), size_t(wire.size()));
        size_t maxInParser = 0;
        for (int i = 0; i < n; ++i) {
            void *raw = nullptr;
            QVERIFY(reader.getReply(&raw));
            QVERIFY(raw);
            maxInParser = qMax(maxInParser, reader.parserBytes());
            const auto *r = static_cast<const redisReply *>(raw);
            QCOMPARE(int(r->type), REDIS_REPLY_ARRAY);
            QCOMPARE(r->elements, size_t(4));
            QCOMPARE(QByteArray(r->element[3]->str, int(r->element[3]->len)),
                     QByteArray::number(i));
            reader.releaseReply(raw);
        }
        // hiredis held about one chunk at a time, not the whole read.
        QVERIFY2(maxInParser <= size_t(BoundedReplyReader::kFeedChunk),
                 qPrintable(QString::number(maxInParser)));
        void *raw = nullptr;
        QVERIFY(reader.getReply(&raw));
        QVERIFY(raw);
        const auto *r = static_cast<const redisReply *>(raw);
        QCOMPARE(int(r->type), REDIS_REPLY_STRING);
        QCOMPARE(QByteArray(r->str, int(r->len)), big);
        reader.releaseReply(raw);
        QVERIFY(reader.getReply(&raw));
        QVERIFY(raw);
        QCOMPARE(static_cast<const redisReply *>(raw)->integer, 42);
        reader.releaseReply(raw);
        QVERIFY(reader.getReply(&raw));
        QVERIFY(!raw);
        QCOMPARE(reader.bufferedBytes(), size_t(0));
    }

    void aReplySplitAcrossFeedsArrivesWhole()
    {
        BoundedReplyReader reader(1000);
        const QByteArray wire = "*2\r\n" + bulk(QByteArray(50000, 'a')) + bulk("tail");
        void *raw = nullptr;
        for (int at = 0; at < wire.size(); at += 7000) {
            QVERIFY(reader.feed(wire.mid(at, 7000)));
            QVERIFY(reader.getReply(&raw));
            if (at + 7000 < wire.size())
                QVERIFY(!raw);
        }
        QVERIFY(raw);
        const auto *r = static_cast<const redisReply *>(raw);
        QCOMPARE(r->elements, size_t(2));
        QCOMPARE(r->element[0]->len, size_t(50000));
        QCOMPARE(QByteArray(r->element[1]->str), QByteArray("tail"));
        reader.releaseReply(raw);
    }

    void aProtocolErrorAfterGoodRepliesIsReported()
    {
        BoundedReplyReader reader(1000);
        QByteArray wire;
        for (int i = 0; i < 5000; ++i)
            wire += ":1\r\n";
        wire += "?garbage\r\n";
        QVERIFY(reader.feed(wire));
        void *raw = nullptr;
        for (int i = 0; i < 5000; ++i) {
            QVERIFY(reader.getReply(&raw));
            QVERIFY(raw);
            reader.releaseReply(raw);
        }
        QVERIFY(!reader.getReply(&raw));
        QVERIFY(!reader.errorText().isEmpty());
    }
    void treesEqualHiredisOwnReaderFedInRandomPieces()
    {
        QRandomGenerator rng(20261127);
        for (int round = 0; round < 20; ++round) {
            QByteArray wire;
            const int replies = 1 + int(rng.bounded(40));
            for (int i = 0; i < replies; ++i) {
                int budget = 2000;
                wire += randomValue(rng, 5, budget); // hiredis nests at most 7 deep
            }
            std::vector<redisReply *> expected = referenceTrees(wire);
            QCOMPARE(int(expected.size()), replies);
            BoundedReplyReader reader(1000000);
            std::vector<void *> got;
            for (int at = 0; at < wire.size();) {
                const int n = 1 + int(rng.bounded(rng.bounded(2) ? 20 : 70000));
                QVERIFY(reader.feed(wire.mid(at, n)));
                at += n;
                for (;;) {
                    void *raw = nullptr;
                    QVERIFY2(reader.getReply(&raw), qPrintable(reader.errorText()));
                    if (!raw)
                        break;
                    const size_t i = got.size();
                    QVERIFY(i < expected.size());
                    const QString d = difference(static_cast<redisReply *>(raw), expected[i]);
                    QVERIFY2(d.isEmpty(),
                             qPrintable(
                                 QStringLiteral("round %1 reply %2: %3").arg(round).arg(i).arg(d)));
                    // Some are held across later replies, the rest released at once.
                    if (rng.bounded(3) == 0)
                        got.push_back(raw);
                    else {
                        reader.releaseReply(raw);
                        got.push_back(nullptr);
                    }
                }
            }
            QCOMPARE(got.size(), expected.size());
            // The held ones are still intact after everything parsed since.
            for (size_t i = 0; i < got.size(); ++i) {
                if (!got[i])
                    continue;
                const QString d = difference(static_cast<redisReply *>(got[i]), expected[i]);
                QVERIFY2(d.isEmpty(), qPrintable(d));
                reader.releaseReply(got[i]);
            }
            for (redisReply *r : expected)
                freeReplyObject(r);
        }
    }

    void bulkStringsAcrossBlockBoundariesAndOverTheThreshold()
    {
        // Sizes around the large-allocation threshold (a quarter block) and the block
        // size, in one array, so strings straddle block ends and large ones interleave.
        QByteArray wire;
        const QList<int> sizes {1,     16383, 16384, 16385,  65535, 65536, 65537,
                                30000, 1,     40000, 200000, 0,     16000, 16000};
        wire += '*' + QByteArray::number(sizes.size()) + "\r\n";
        for (int i = 0; i < sizes.size(); ++i)
            wire += bulk(QByteArray(sizes[i], char('a' + i)));
        wire += ":7\r\n$-1\r\n-ERR boom\r\n";
        std::vector<redisReply *> expected = referenceTrees(wire);
        QCOMPARE(int(expected.size()), 4);
        BoundedReplyReader reader(1000);
        QVERIFY(reader.feed(wire));
        std::vector<void *> held;
        for (redisReply *e : expected) {
            void *raw = nullptr;
            QVERIFY(reader.getReply(&raw));
            QVERIFY(raw);
            const QString d = difference(static_cast<redisReply *>(raw), e);
            QVERIFY2(d.isEmpty(), qPrintable(d));
            held.push_back(raw);
        }
        QVERIFY(reader.arena().largeAllocations() > 0);
        const auto *array = static_cast<const redisReply *>(held[0]);
        for (int i = 0; i < sizes.size(); ++i)
            QCOMPARE(QByteArray(array->element[i]->str, int(array->element[i]->len)),
                     QByteArray(sizes[i], char('a' + i)));
        QCOMPARE(int(static_cast<const redisReply *>(held[2])->type), REDIS_REPLY_NIL);
        QCOMPARE(QByteArray(static_cast<const redisReply *>(held[3])->str), QByteArray("ERR boom"));
        for (void *raw : held)
            reader.releaseReply(raw);
        QCOMPARE(reader.arena().largeAllocations(), size_t(0)); // freed with the reset
        QCOMPARE(reader.arena().bytesInUse(), size_t(0));
        for (redisReply *r : expected)
            freeReplyObject(r);
    }

    void theArenaIsReusedNotGrown()
    {
        // 300 XREAD replies of 1 000 entries (~1.4 MiB of tree each), each released
        // before the next: the arena holds one reply's blocks, not 300.
        BoundedReplyReader reader(1024 * 1024);
        size_t maxBlocks = 0;
        for (int round = 0; round < 300; ++round) {
            QVERIFY(reader.feed(xreadReply(1000, round * 1000)));
            void *raw = nullptr;
            QVERIFY(reader.getReply(&raw));
            QVERIFY(raw);
            const auto *list = static_cast<const redisReply *>(raw)->element[0]->element[1];
            QCOMPARE(list->elements, size_t(1000));
            QCOMPARE(QByteArray(list->element[999]->element[1]->element[7]->str),
                     QByteArray::number(round * 1000 + 999));
            reader.releaseReply(raw);
            maxBlocks = qMax(maxBlocks, reader.arena().blocksHeld());
        }
        // One reply's worth (2.3 MiB of objects: 23 000 x 48 bytes + strings + vectors).
        QVERIFY2(maxBlocks * ReplyArena::kBlockSize < size_t(4) * 1024 * 1024,
                 qPrintable(QString::number(maxBlocks)));
        // A later run of small replies trims the blocks one big reply needed.
        for (int i = 0; i < 200; ++i) {
            QVERIFY(reader.feed(QByteArray(":1\r\n")));
            void *raw = nullptr;
            QVERIFY(reader.getReply(&raw));
            QVERIFY(raw);
            reader.releaseReply(raw);
        }
        QCOMPARE(reader.arena().blocksHeld(), size_t(1));
    }

    void aHeldReplyAndAHalfParsedOneSurviveARelease()
    {
        // A arrives whole with the start of B; A is released while B is half-built in
        // the arena: the arena must not be reset under B (the rest of B would be carved
        // over its first elements).
        const int n = 500;
        QByteArray b = '*' + QByteArray::number(n) + "\r\n";
        for (int i = 0; i < n; ++i)
            b += bulk("element-" + QByteArray::number(i));
        const QByteArray a = "*2\r\n" + bulk("first") + bulk("reply");
        const qsizetype cut = b.indexOf("element-3") + 20; // B's first 3 elements, and a bit
        BoundedReplyReader reader(100000);
        QVERIFY(reader.feed(a + b.left(cut)));
        void *ra = nullptr;
        QVERIFY(reader.getReply(&ra));
        QVERIFY(ra);
        void *rb = nullptr;
        QVERIFY(reader.getReply(&rb));
        QVERIFY(!rb); // B is half-parsed now
        reader.releaseReply(ra);
        QVERIFY(reader.feed(b.mid(cut)));
        QVERIFY(reader.getReply(&rb));
        QVERIFY(rb);
        std::vector<redisReply *> expected = referenceTrees(b);
        const QString d = difference(static_cast<redisReply *>(rb), expected[0]);
        QVERIFY2(d.isEmpty(), qPrintable(d));
        reader.releaseReply(rb);
        freeReplyObject(expected[0]);
    }

    void budgetsStillRefuseHostileReplies()
    {
        {
            // The element budget: an array announcing a billion elements gets nothing
            // allocated for it; the reply is poisoned and waits for its elements.
            BoundedReplyReader reader(1000);
            QVERIFY(reader.feed(QByteArray("*1000000000\r\n")));
            void *raw = nullptr;
            QVERIFY(reader.getReply(&raw));
            QVERIFY(!raw);
            QCOMPARE(reader.arena().bytesInUse(), size_t(0));
        }
        QByteArray threeMiB = "*3\r\n"; // an array of three 1 MiB bulk strings
        for (int i = 0; i < 3; ++i)
            threeMiB += bulk(QByteArray(1024 * 1024, 'h'));
        {
            // The tree budget: 3 MiB of bulk strings against a 2 MiB cap fails that reply
            // (skipped, not held), and the next one parses.
            BoundedReplyReader reader(1000, 2 * 1024 * 1024);
            QVERIFY(reader.feed(threeMiB + ":5\r\n"));
            void *raw = nullptr;
            QVERIFY2(reader.getReply(&raw), qPrintable(reader.errorText()));
            QVERIFY(raw);
            QVERIFY(reader.isOversized(raw));
            QCOMPARE(int(static_cast<redisReply *>(raw)->type), REDIS_REPLY_ERROR);
            reader.releaseReply(raw);
            QVERIFY(reader.getReply(&raw));
            QVERIFY(raw && !reader.isOversized(raw));
            QCOMPARE(static_cast<redisReply *>(raw)->integer, 5);
            reader.releaseReply(raw);
        }
        {
            // Under the cap, the same bytes pass.
            BoundedReplyReader reader(1000, 4 * 1024 * 1024);
            QVERIFY(reader.feed(threeMiB));
            void *raw = nullptr;
            QVERIFY(reader.getReply(&raw));
            QVERIFY(raw);
            QCOMPARE(static_cast<redisReply *>(raw)->element[2]->len, size_t(1024 * 1024));
            reader.releaseReply(raw);
        }
    }

    void poisonedRepliesFailAloneAndTheRestParseAsHiredisDoes()
    {
        // Replies over a budget among normal ones, all fed in random pieces (1 byte to
        // 70 KB): each poisoned one comes out as the marker, in its place; every normal one
        // equals hiredis' own tree, also when held across later (poisoned) ones; hiredis
        // never holds a skipped string; the arena goes back to one reply's blocks.
        QRandomGenerator rng(20261217);
        for (int round = 0; round < 12; ++round) {
            QByteArray wire;
            QList<bool> poisoned;
            QByteArray normalWire; // the normal replies alone, for the reference
            const int replies = 4 + int(rng.bounded(16));
            for (int i = 0; i < replies; ++i) {
                if (rng.bounded(3) == 0) {
                    wire += poisonedValue(rng);
                    poisoned << true;
                    continue;
                }
                QByteArray v;
                do {
                    int budget = 2000;
                    v = randomValue(rng, 5, budget);
                } while (v.size() > kCap); // a normal reply is within the cap
                wire += v;
                normalWire += v;
                poisoned << false;
            }
            std::vector<redisReply *> expected = referenceTrees(normalWire);
            BoundedReplyReader reader(kElements, 64 * 1024 * 1024, kCap);
            std::vector<void *> held;
            size_t next = 0, nextNormal = 0, maxInParser = 0;
            for (int at = 0; at < wire.size();) {
                const int n = 1 + int(rng.bounded(rng.bounded(2) ? 20 : 70000));
                QVERIFY(reader.feed(wire.mid(at, n)));
                at += n;
                for (;;) {
                    void *raw = nullptr;
                    QVERIFY2(reader.getReply(&raw), qPrintable(reader.errorText()));
                    maxInParser = qMax(maxInParser, reader.parserBytes());
                    if (!raw)
                        break;
                    QVERIFY(next < size_t(poisoned.size()));
                    const QString where = QStringLiteral("round %1 reply %2").arg(round).arg(next);
                    if (poisoned.at(qsizetype(next++))) {
                        QVERIFY2(reader.isOversized(raw), qPrintable(where));
                        QVERIFY(!reader.oversized().reason.isEmpty());
                        reader.releaseReply(raw);
                        continue;
                    }
                    QVERIFY2(!reader.isOversized(raw),
                             qPrintable(where + QLatin1Char(' ') + reader.oversized().reason));
                    const QString d
                        = difference(static_cast<redisReply *>(raw), expected[nextNormal++]);
                    QVERIFY2(d.isEmpty(), qPrintable(where + QStringLiteral(": ") + d));
                    if (rng.bounded(3) == 0)
                        held.push_back(raw);
                    else
                        reader.releaseReply(raw);
                }
            }
            QCOMPARE(next, size_t(poisoned.size()));
            QCOMPARE(nextNormal, expected.size());
            QCOMPARE(reader.bufferedBytes(), size_t(0));
            // Never a whole skipped string (> 512 KiB) in hiredis: a cap's worth of a
            // normal reply at most (its strings are up to 100 KiB).
            QVERIFY2(maxInParser <= size_t(kCap), qPrintable(QString::number(maxInParser)));
            for (void *raw : held)
                reader.releaseReply(raw);
            QCOMPARE(reader.arena().bytesInUse(), size_t(0));
            for (redisReply *r : expected)
                freeReplyObject(r);
        }
    }

    void aStringPastTheCapIsSkippedNotBuffered()
    {
        // 40 MiB in one bulk string against a 1 MiB cap, arriving in 64 KiB reads like a
        // socket's: hiredis holds at most a chunk, the tree nothing of it, and the replies
        // after it (a small one in the same read as its last bytes) parse.
        const qint64 cap = 1024 * 1024;
        BoundedReplyReader reader(1000, 64 * 1024 * 1024, cap);
        const QByteArray wire = "$" + QByteArray::number(40 * 1024 * 1024) + "\r\n"
            + QByteArray(40 * 1024 * 1024, 'q') + "\r\n:1\r\n+OK\r\n";
        size_t maxInParser = 0, maxBuffered = 0;
        QList<void *> got;
        for (qsizetype at = 0; at < wire.size(); at += 64 * 1024) {
            QVERIFY(reader.feed(wire.mid(at, 64 * 1024)));
            for (;;) {
                void *raw = nullptr;
                QVERIFY(reader.getReply(&raw));
                maxInParser = qMax(maxInParser, reader.parserBytes());
                maxBuffered = qMax(maxBuffered, reader.bufferedBytes());
                QVERIFY(reader.arena().bytesInUse() < 4096);
                if (!raw)
                    break;
                got << raw;
                if (got.size() == 1) {
                    QVERIFY(reader.isOversized(raw));
                    QCOMPARE(reader.oversized().bytes, qint64(40 * 1024 * 1024));
                    QVERIFY2(reader.oversized().reason.contains(QStringLiteral("1 MiB")),
                             qPrintable(reader.oversized().reason));
                    QVERIFY(reader.oversized().path.isEmpty()); // at the top
                }
                reader.releaseReply(raw);
            }
        }
        QCOMPARE(got.size(), 3);
        QVERIFY2(maxInParser <= size_t(BoundedReplyReader::kFeedChunk),
                 qPrintable(QString::number(maxInParser)));
        QVERIFY2(maxBuffered <= size_t(64 * 1024), qPrintable(QString::number(maxBuffered)));
        QCOMPARE(reader.oversizedCount(), quint64(1));
    }

    void theOversizedMarkerSaysWhereTheReplyBroke()
    {
        // XREAD [[key, [[id, [f, v, ...]] x 3]] with the 2nd entry's 3rd value too big: the
        // context names the stream and that entry, the path says the entry before it fitted.
        const qint64 cap = 256 * 1024;
        QByteArray wire = "*1\r\n*2\r\n" + bulk("agentops:events") + "*3\r\n";
        for (int i = 0; i < 3; ++i) {
            wire += "*2\r\n" + bulk("1700-" + QByteArray::number(i)) + "*6\r\n";
            wire += bulk("at") + bulk("1700") + bulk("kind") + bulk("other") + bulk("message");
            wire += bulk(QByteArray(i == 1 ? int(cap) : 10, 'm'));
        }
        // HGETALL [name, value, ...] with the value of "model" too big.
        wire += "*4\r\n" + bulk("agent") + bulk("a") + bulk("model")
            + bulk(QByteArray(int(cap) + 5, 'x'));
        BoundedReplyReader reader(1000, 64 * 1024 * 1024, cap);
        QVERIFY(reader.feed(wire));
        void *raw = nullptr;
        QVERIFY(reader.getReply(&raw));
        QVERIFY(raw && reader.isOversized(raw));
        BoundedReplyReader::Oversized o = reader.oversized();
        QCOMPARE(o.context, (QList<QByteArray> {"", "agentops:events", "", "1700-1", "at"}));
        QCOMPARE(o.path, (QList<int> {0, 1, 1, 1, 5}));
        QCOMPARE(o.previous, QByteArray("message"));
        QCOMPARE(o.bytes, cap);
        reader.releaseReply(raw);
        QVERIFY(reader.getReply(&raw));
        QVERIFY(raw && reader.isOversized(raw));
        o = reader.oversized();
        QCOMPARE(o.path, (QList<int> {3}));
        QCOMPARE(o.previous, QByteArray("model"));
        QCOMPARE(o.context, (QList<QByteArray> {"agent"}));
        reader.releaseReply(raw);
        QVERIFY(reader.getReply(&raw));
        QVERIFY(!raw);
    }

    void aLineWithoutItsEndIsAProtocolError()
    {
        // A status line is never a MiB long: reported, not scanned for ever.
        BoundedReplyReader reader(1000);
        QVERIFY(reader.feed("+" + QByteArray(BoundedReplyReader::kMaxLine + 100, 'l')));
        void *raw = nullptr;
        QVERIFY(!reader.getReply(&raw));
        QVERIFY2(reader.errorText().contains(QStringLiteral("line")),
                 qPrintable(reader.errorText()));
    }
};

QTEST_GUILESS_MAIN(TestBoundedReplyReader)
#include "tst_boundedreplyreader.moc"
