// BoundedReplyReader feeds hiredis in chunks: a read of several MiB of small replies used
// to sit in hiredis' buffer whole, and hiredis moves all that is left on every reply once
// 1 KiB is consumed (O(n^2): the processes view's first-poll socket reads, perf). The
// replies must still come out whole, in order, including ones that span many chunks, and
// a protocol error after good replies must still be reported.
#include "core/redis/BoundedReplyReader.h"

#include <QTest>

#include <hiredis/hiredis.h>

using namespace switchboard;

namespace {

QByteArray bulk(const QByteArray &s)
{
    return '$' + QByteArray::number(s.size()) + "\r\n" + s + "\r\n";
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
            freeReplyObject(raw);
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
        freeReplyObject(raw);
        QVERIFY(reader.getReply(&raw));
        QVERIFY(raw);
        QCOMPARE(static_cast<const redisReply *>(raw)->integer, 42);
        freeReplyObject(raw);
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
        freeReplyObject(raw);
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
            freeReplyObject(raw);
        }
        QVERIFY(!reader.getReply(&raw));
        QVERIFY(!reader.errorText().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestBoundedReplyReader)
#include "tst_boundedreplyreader.moc"
