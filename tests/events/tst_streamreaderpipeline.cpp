// RedisStreamReader's raw path sends the next XREAD before its handler parses the batch
// just read (so the server prepares the next batch meanwhile), against a real
// redis-server: while the handler runs, the server already has the reader's connection
// blocked in that XREAD (CLIENT LIST: cmd=xread, flag b), and across many batches every
// entry arrives once, in order, with lastId() past the batch in hand.
#include "core/redis/RedisStreamReader.h"
#include "redis/RedisTestUtil.h"

#include <QTest>

#include <hiredis/hiredis.h>

using namespace switchboard;
using namespace switchboard::test;

namespace {
const QByteArray kKey = QByteArrayLiteral("t pipeline");

// The server's view of the client named `name`: its CLIENT LIST line.
QByteArray clientLine(const RedisServer &server, const QByteArray &name)
{
    const QByteArray all = server.cli({QStringLiteral("CLIENT"), QStringLiteral("LIST")});
    for (const QByteArray &line : all.split('\n')) {
        if (line.contains(QByteArray(" name=" + name + ' ')))
            return line;
    }
    return {};
}
} // namespace

class TestStreamReaderPipeline : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void nextReadIsOnTheServerWhileTheBatchIsHandled()
    {
        RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.error()));
        RedisConnectionOptions options = optionsFor(server);
        options.clientName = QStringLiteral("pipeline-reader");
        RedisStreamReader reader(options);
        reader.setBlockMs(5000); // a blocked XREAD stays visible for the whole check
        reader.setCount(10);
        reader.addStream(kKey, QByteArrayLiteral("0"));
        QStringList seen;
        QList<QByteArray> linesDuringHandler;
        QList<QByteArray> lastIdDuringHandler;
        reader.setRawEntries([&](const QByteArray &stream, const redisReply *entries) {
            QCOMPARE(stream, kKey);
            for (size_t i = 0; i < entries->elements; ++i) {
                const redisReply *fv = entries->element[i]->element[1];
                seen << QString::fromUtf8(fv->element[1]->str, int(fv->element[1]->len));
            }
            lastIdDuringHandler << reader.lastId(kKey);
            const redisReply *lastEntry = entries->element[entries->elements - 1];
            QCOMPARE(lastIdDuringHandler.constLast(),
                     QByteArray(lastEntry->element[0]->str, int(lastEntry->element[0]->len)));
            // Only on the last batch: then nothing is left, so the next XREAD blocks.
            if (seen.size() == 25) {
                QByteArray line;
                // (Polled for a second: the write is on its way, not necessarily there.)
                const auto blocked = [](const QByteArray &l) {
                    return l.contains("cmd=xread") && l.contains(" flags=b");
                };
                for (int tries = 0; tries < 50 && !blocked(line); ++tries) {
                    line = clientLine(server, "pipeline-reader");
                    if (!blocked(line))
                        QTest::qSleep(20);
                }
                linesDuringHandler << line;
            }
        });
        for (int n = 1; n <= 25; ++n)
            server.cli({QStringLiteral("XADD"), QString::fromLatin1(kKey), QStringLiteral("*"),
                        QStringLiteral("n"), QString::number(n)});
        reader.start();
        QTRY_COMPARE(seen.size(), 25);
        QStringList expected;
        for (int n = 1; n <= 25; ++n)
            expected << QString::number(n);
        QCOMPARE(seen, expected);
        QCOMPARE(lastIdDuringHandler.size(), 3); // 10 + 10 + 5
        QCOMPARE(linesDuringHandler.size(), 1);
        const QByteArray line = linesDuringHandler.constFirst();
        QVERIFY2(line.contains("cmd=xread") && line.contains(" flags=b"), line.constData());

        // And what comes later still arrives once.
        server.cli({QStringLiteral("XADD"), QString::fromLatin1(kKey), QStringLiteral("*"),
                    QStringLiteral("n"), QStringLiteral("26")});
        QTRY_COMPARE(seen.size(), 26);
        QTest::qWait(100);
        QCOMPARE(seen.size(), 26);
        reader.stop();
    }
};

QTEST_GUILESS_MAIN(TestStreamReaderPipeline)
#include "tst_streamreaderpipeline.moc"
