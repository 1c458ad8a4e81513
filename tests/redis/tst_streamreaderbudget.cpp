// RedisStreamReader with a reply cap against a real redis-server (issue 17): an XREAD
// reply over the cap fails alone, COUNT adapts so every entry that fits arrives, in order
// and once; an entry that is over the cap by itself is reported (oversizedEntry) and read
// past, on the entries path the process-events log and the control-results reader use.
// ProcessEventLog keeps such an entry as a bad one, in its seed and live. The reader's
// connection is never rebuilt for any of it. Small caps (options) keep the data small.
#include "RedisTestUtil.h"
#include "core/redis/RedisStreamEntry.h"
#include "core/redis/RedisStreamReader.h"
#include "core/services/ProcessEventLog.h"

#include <QSignalSpy>
#include <QTest>

using namespace switchboard;
using namespace switchboard::test;

namespace {
constexpr qint64 kCap = 1024 * 1024;

RedisConnectionOptions cappedOptions(const RedisServer &server)
{
    RedisConnectionOptions o = optionsFor(server);
    o.maxReplyBytes = kCap;
    return o;
}

// XADDs `count` entries ("n" = from, from + 1, ...) with a `pad` of `bytes` each.
QByteArray addEntries(const RedisServer &server, const QString &key, int from, int count, int bytes)
{
    return server
        .cli({QStringLiteral("EVAL"),
              QStringLiteral("local id for i = 0, tonumber(ARGV[2]) - 1 do "
                             "id = redis.call('XADD', KEYS[1], '*', 'n', ARGV[1] + i, "
                             "'pad', string.rep('p', tonumber(ARGV[3]))) end return id"),
              QStringLiteral("1"), key, QString::number(from), QString::number(count),
              QString::number(bytes)})
        .trimmed();
}
} // namespace

class TestStreamReaderBudget : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_server = std::make_unique<RedisServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->error()));
    }
    void cleanup() { m_server.reset(); }

    void countAdaptsAndAnEntryOverTheCapIsPassed()
    {
        RedisStreamReader reader(cappedOptions(*m_server));
        reader.setBlockMs(100);
        reader.setCount(100);
        reader.addStream("s", "0");
        QList<int> seen;
        connect(&reader, &RedisStreamReader::entries, this,
                [&seen](const QByteArray &, const QList<RedisStreamEntry> &batch) {
                    for (const RedisStreamEntry &e : batch)
                        seen << e.fields.value(0).second.toInt();
                });
        QSignalSpy oversized(&reader, &RedisStreamReader::oversizedEntry);
        QSignalSpy errors(&reader, &RedisStreamReader::readError);
        // 60 entries of 50 KB (3 MB: COUNT 100 is three caps), one of 2 MB (over the cap
        // alone), 20 more of 50 KB.
        addEntries(*m_server, QStringLiteral("s"), 1, 60, 50000);
        const QByteArray big = addEntries(*m_server, QStringLiteral("s"), 61, 1, 2000000);
        addEntries(*m_server, QStringLiteral("s"), 62, 20, 50000);
        reader.start();
        QTRY_COMPARE_WITH_TIMEOUT(seen.size(), 80, 20000);
        QList<int> expected;
        for (int n = 1; n <= 81; ++n) {
            if (n != 61)
                expected << n;
        }
        QCOMPARE(seen, expected);
        QCOMPARE(oversized.size(), 1);
        QCOMPARE(oversized.at(0).at(0).toByteArray(), QByteArray("s"));
        QCOMPARE(oversized.at(0).at(1).toByteArray(), big);
        QVERIFY2(
            oversized.at(0).at(2).toString().contains(QStringLiteral("over the 1 MiB reply cap")),
            qPrintable(oversized.at(0).at(2).toString()));
        QVERIFY(reader.oversizedReplies() >= 2); // the batch of 100, then the entry alone
        QCOMPARE(errors.size(), 0);
        // Caught up (a read returned fewer than asked): COUNT is back where it was.
        QTRY_COMPARE(reader.currentCount(), 100);
        addEntries(*m_server, QStringLiteral("s"), 82, 1, 10);
        QTRY_COMPARE(seen.size(), 81);
        QCOMPARE(reader.connection()->connectAttempts(), 1);
    }

    void startingAtTheNewestEntryWhenItIsOverTheCap()
    {
        // "$" is pinned with XREVRANGE + - COUNT 1, which is the huge entry itself here;
        // and XINFO STREAM (the gap check) carries it too. Neither wedges the reader.
        addEntries(*m_server, QStringLiteral("s"), 1, 1, 2000000);
        RedisStreamReader reader(cappedOptions(*m_server));
        reader.setBlockMs(100);
        reader.addStream("s", "$");
        QList<int> seen;
        connect(&reader, &RedisStreamReader::entries, this,
                [&seen](const QByteArray &, const QList<RedisStreamEntry> &batch) {
                    for (const RedisStreamEntry &e : batch)
                        seen << e.fields.value(0).second.toInt();
                });
        QSignalSpy reading(&reader, &RedisStreamReader::reading);
        reader.start();
        QVERIFY(reading.wait(5000));
        addEntries(*m_server, QStringLiteral("s"), 2, 2, 10);
        QTRY_COMPARE(seen, (QList<int> {2, 3}));
        // A reconnect runs XINFO STREAM, whose first/last entry is the huge one.
        m_server->cli({QStringLiteral("CLIENT"), QStringLiteral("KILL"), QStringLiteral("TYPE"),
                       QStringLiteral("normal")});
        QTRY_VERIFY(reader.connection()->connectAttempts() >= 2);
        addEntries(*m_server, QStringLiteral("s"), 4, 1, 10);
        QTRY_COMPARE_WITH_TIMEOUT(seen, (QList<int> {2, 3, 4}), 10000);
    }

    void processEventLogKeepsAnEntryOverTheCapAsBad()
    {
        // The seed (XREVRANGE COUNT capacity) is over the cap: read again for the newest
        // that fit; live, an entry over the cap is a bad entry and the log reads on.
        const QString key = QStringLiteral("pe");
        addEntries(*m_server, key, 1, 40, 50000); // 2 MB: over the cap as one seed
        RedisClient client(cappedOptions(*m_server));
        client.open();
        ProcessEventLog log(&client, cappedOptions(*m_server), key.toUtf8(), 5000);
        log.start();
        QTRY_VERIFY_WITH_TIMEOUT(!log.events().empty(), 10000);
        const auto seeded = int(log.events().size());
        QVERIFY2(seeded >= 10 && seeded < 40, qPrintable(QString::number(seeded)));
        // (Not valid process events: each is a bad entry with the parser's reason.)
        const QByteArray big = addEntries(*m_server, key, 41, 1, 2000000);
        addEntries(*m_server, key, 42, 2, 10);
        QTRY_COMPARE_WITH_TIMEOUT(int(log.events().size()), seeded + 3, 10000);
        const LoggedProcessEvent &bad = log.events().at(size_t(seeded));
        QCOMPARE(bad.streamId, big);
        QVERIFY2(bad.error.startsWith(QStringLiteral("process event ") + QString::fromUtf8(big)
                                      + QStringLiteral(": over the 1 MiB reply cap")),
                 qPrintable(bad.error));
        QVERIFY(!log.events().back().error.contains(QStringLiteral("reply cap")));
        QCOMPARE(client.connection()->connectAttempts(), 1);
    }

private:
    std::unique_ptr<RedisServer> m_server;
};

QTEST_GUILESS_MAIN(TestStreamReaderBudget)
#include "tst_streamreaderbudget.moc"
