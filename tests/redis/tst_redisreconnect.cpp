// Kill the real server and start it again on the same port (with its AOF, so data
// survives): the subscriber and the stream reader come back by themselves and the stream
// is read exactly once, including what was added while the reader was away. Also: a
// stream trimmed past the last ID read is reported as a gap.
#include "RedisTestUtil.h"
#include "core/redis/RedisStreamReader.h"
#include "core/redis/RedisSubscriber.h"

using namespace switchboard;
using namespace switchboard::test;

class TestRedisReconnect : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        RedisOptions o;
        o.extraArgs = {QStringLiteral("--appendonly"), QStringLiteral("yes"),
                       QStringLiteral("--appendfsync"), QStringLiteral("always")};
        m_server = std::make_unique<RedisServer>(o);
        QVERIFY2(m_server->start(), qPrintable(m_server->error()));
    }

    void subscriptionAndStreamResumeAfterRestart()
    {
        RedisConnectionOptions o = optionsFor(*m_server);
        RedisClient writer(o);
        writer.open();
        auto xadd = [&](int n) {
            const auto r = runCommand(writer, {"XADD", "s", "*", "n", QByteArray::number(n)});
            return r && r->isString();
        };

        RedisConnectionOptions slow = o;
        slow.reconnectMinMs = 1500; // leaves time to add entries while the reader is away
        RedisStreamReader reader(slow);
        reader.setBlockMs(200);
        reader.addStream("s", "0");
        QList<QByteArray> ids;
        QList<int> values;
        connect(&reader, &RedisStreamReader::entries, this,
                [&](const QByteArray &stream, const QList<RedisStreamEntry> &batch) {
                    QCOMPARE(stream, QByteArray("s"));
                    for (const RedisStreamEntry &e : batch) {
                        ids << e.id;
                        values << e.fields.value(0).second.toInt();
                    }
                });
        reader.start();

        RedisSubscriber subscriber(o);
        QList<QByteArray> messages;
        connect(&subscriber, &RedisSubscriber::message, this,
                [&](const QByteArray &channel, const QByteArray &payload, const QByteArray &) {
                    if (channel == "ch")
                        messages << payload;
                });
        QSignalSpy subscribed(&subscriber, &RedisSubscriber::subscribed);
        subscriber.subscribe({"ch"});
        subscriber.open();
        QTRY_COMPARE(subscribed.count(), 1);

        for (int n = 1; n <= 5; ++n)
            QVERIFY(xadd(n));
        QVERIFY(runCommand(writer, {"PUBLISH", "ch", "before"}));
        QTRY_COMPARE(values.size(), 5);
        QTRY_COMPARE(messages, QList<QByteArray> {"before"});

        m_server->stop();
        QTRY_VERIFY(reader.connection()->state() != RedisConnection::State::Ready);
        QTRY_VERIFY(subscriber.connection()->state() != RedisConnection::State::Ready);
        QVERIFY2(m_server->start(), qPrintable(m_server->error()));
        // Added before the reader's first retry (>= 1.1 s after the drop).
        for (int n = 6; n <= 8; ++n)
            m_server->cli({QStringLiteral("XADD"), QStringLiteral("s"), QStringLiteral("*"),
                           QStringLiteral("n"), QString::number(n)});
        QVERIFY(reader.connection()->state() != RedisConnection::State::Ready);

        QTRY_COMPARE_WITH_TIMEOUT(reader.connection()->state(), RedisConnection::State::Ready,
                                  10000);
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 2, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(writer.state(), RedisConnection::State::Ready, 10000);
        for (int n = 9; n <= 10; ++n)
            QVERIFY(xadd(n));
        QVERIFY(runCommand(writer, {"PUBLISH", "ch", "after"}));

        QTRY_COMPARE_WITH_TIMEOUT(values.size(), 10, 10000);
        QTest::qWait(300); // anything read twice would arrive now
        QCOMPARE(values, (QList<int> {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
        for (int i = 1; i < ids.size(); ++i)
            QVERIFY(compareStreamIds(ids.at(i - 1), ids.at(i)) < 0);
        QTRY_COMPARE(messages, (QList<QByteArray> {"before", "after"}));
    }

    void dollarStartSkipsNothingAddedWhileAway()
    {
        RedisClient writer(optionsFor(*m_server));
        writer.open();
        QVERIFY(runCommand(writer, {"XADD", "d", "*", "n", "0"}));
        RedisConnectionOptions slow = optionsFor(*m_server);
        slow.reconnectMinMs = 1500;
        RedisStreamReader reader(slow);
        reader.setBlockMs(200);
        reader.addStream("d"); // "$": only what comes after start
        QList<int> values;
        connect(&reader, &RedisStreamReader::entries, this,
                [&](const QByteArray &, const QList<RedisStreamEntry> &batch) {
                    for (const RedisStreamEntry &e : batch)
                        values << e.fields.value(0).second.toInt();
                });
        reader.start();
        QTRY_VERIFY(!reader.lastId("d").startsWith('$'));
        QVERIFY(runCommand(writer, {"XADD", "d", "*", "n", "1"}));
        QTRY_COMPARE(values, QList<int> {1});
        m_server->stop();
        QVERIFY(m_server->start());
        m_server->cli({QStringLiteral("XADD"), QStringLiteral("d"), QStringLiteral("*"),
                       QStringLiteral("n"), QStringLiteral("2")});
        QTRY_COMPARE_WITH_TIMEOUT(values, (QList<int> {1, 2}), 10000);
    }

    void trimmedPastLastIdIsAGap()
    {
        RedisClient writer(optionsFor(*m_server));
        writer.open();
        QList<QByteArray> added;
        for (int n = 1; n <= 10; ++n)
            added << runCommand(writer, {"XADD", "g", "*", "n", QByteArray::number(n)})->data();
        RedisStreamReader reader(optionsFor(*m_server));
        reader.setBlockMs(200);
        reader.setCount(3);
        reader.addStream("g", added.at(2)); // we had read 1..3 before
        QSignalSpy gaps(&reader, &RedisStreamReader::gapDetected);
        QList<QByteArray> ids;
        connect(&reader, &RedisStreamReader::entries, this,
                [&](const QByteArray &, const QList<RedisStreamEntry> &batch) {
                    for (const RedisStreamEntry &e : batch)
                        ids << e.id;
                });
        QVERIFY(runCommand(writer, {"XTRIM", "g", "MAXLEN", "2"})); // 1..8 gone
        reader.start();
        QTRY_COMPARE(gaps.count(), 1);
        QCOMPARE(gaps.at(0).at(0).toByteArray(), QByteArray("g"));
        QCOMPARE(gaps.at(0).at(1).toByteArray(), added.at(2));
        QCOMPARE(gaps.at(0).at(2).toByteArray(), added.at(8));
        QTRY_COMPARE(ids, (QList<QByteArray> {added.at(8), added.at(9)}));

        // No trimming since: reconnecting reports no new gap.
        reader.stop();
        reader.start();
        QTRY_COMPARE(reader.connection()->state(), RedisConnection::State::Ready);
        QTest::qWait(300);
        QCOMPARE(gaps.count(), 1);
    }

private:
    std::unique_ptr<RedisServer> m_server;
};

QTEST_GUILESS_MAIN(TestRedisReconnect)
#include "tst_redisreconnect.moc"
