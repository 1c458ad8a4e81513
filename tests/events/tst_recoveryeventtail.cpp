// The live tail against a real redis-server: resuming after the connection is killed
// (nothing lost, nothing twice, no gap row), a trim past the last ID read while away
// (one gap row with the exact number lost), and bad stream entries shown as marked rows
// while good ones keep coming. The model is under QAbstractItemModelTester throughout.
#include "core/redis/RedisConnection.h"
#include "models/RecoveryEventTableModel.h"
#include "models/RecoveryEventTail.h"
#include "redis/RedisTestUtil.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace switchboard;
using namespace switchboard::test;

namespace {
const QByteArray kKey = QByteArrayLiteral("t events");

QStringList eventArgs(int n)
{
    RecoveryEvent e;
    e.at = QDateTime::currentMSecsSinceEpoch();
    e.sessionId = QStringLiteral("s-%1").arg(n);
    e.agent = QStringLiteral("triage");
    e.kind = RecoveryKind::ToolTimeout;
    e.recoverable = true;
    e.strategy = RecoveryStrategy::Retry;
    e.outcome = RecoveryOutcome::Recovered;
    e.attempt = 1;
    e.message = QStringLiteral("n=%1").arg(n);
    QStringList args {QStringLiteral("XADD"), QString::fromLatin1(kKey), QStringLiteral("*")};
    for (const QByteArray &part : e.toFields().toFlatList())
        args << QString::fromUtf8(part);
    return args;
}

QStringList messages(const RecoveryEventTableModel &model)
{
    QStringList out;
    for (int r = 0; r < model.rowCount(); ++r)
        out << model.index(r, RecoveryEventTableModel::Message).data().toString();
    return out;
}

QStringList numbered(int from, int to)
{
    QStringList out;
    for (int n = from; n <= to; ++n)
        out << QStringLiteral("n=%1").arg(n);
    return out;
}
} // namespace

class TestRecoveryEventTail : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_server = std::make_unique<RedisServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->error()));
        m_server->cli(eventArgs(0)); // history before the console starts: not shown
    }
    void cleanup() { m_server.reset(); }

    void resumesAfterReconnectWithoutLossOrRepeats()
    {
        RecoveryEventTableModel model(1000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        RedisConnectionOptions slow = optionsFor(*m_server);
        slow.reconnectMinMs = 1500; // room to write while the tail is away
        RecoveryEventTail tail(slow, kKey, &model);
        tail.setBlockMs(200);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        for (int n = 1; n <= 5; ++n)
            m_server->cli(eventArgs(n));
        QTRY_COMPARE(messages(model), numbered(1, 5));

        m_server->cli({QStringLiteral("CLIENT"), QStringLiteral("KILL"), QStringLiteral("TYPE"),
                       QStringLiteral("normal")});
        QTRY_VERIFY(tail.connectionState() != int(RedisConnection::State::Ready));
        for (int n = 6; n <= 9; ++n)
            m_server->cli(eventArgs(n)); // while the tail is disconnected
        QTRY_COMPARE_WITH_TIMEOUT(messages(model), numbered(1, 9), 10000);
        m_server->cli(eventArgs(10)); // and live again afterwards
        QTRY_COMPARE(messages(model), numbered(1, 10));
        QCOMPARE(model.counters().gaps, 0);
        QCOMPARE(model.counters().total, 10);
        QCOMPARE(tail.entriesRead(), 10);
    }

    void backfillShowsRecentHistoryOnceThenTheTail()
    {
        for (int n = 1; n <= 4; ++n)
            m_server->cli(eventArgs(n)); // 0..4 exist before the console starts
        RecoveryEventTableModel model(1000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        RecoveryEventTail tail(optionsFor(*m_server), kKey, &model);
        tail.setBlockMs(200);
        tail.setBackfill(3); // bounded: only the newest 3 of them
        tail.start();
        QTRY_COMPARE(messages(model), numbered(2, 4));
        m_server->cli(eventArgs(5));
        QTRY_COMPARE(messages(model), numbered(2, 5));
        // A reconnect does not backfill again (nor repeat anything).
        m_server->cli({QStringLiteral("CLIENT"), QStringLiteral("KILL"), QStringLiteral("TYPE"),
                       QStringLiteral("normal")});
        m_server->cli(eventArgs(6));
        QTRY_COMPARE_WITH_TIMEOUT(messages(model), numbered(2, 6), 10000);
        QTest::qWait(300);
        QCOMPARE(messages(model), numbered(2, 6));
        QCOMPARE(tail.entriesRead(), 2);
    }

    void trimPastLastIdShowsAGapWithTheNumberLost()
    {
        RecoveryEventTableModel model(1000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        RedisConnectionOptions slow = optionsFor(*m_server);
        slow.reconnectMinMs = 1500;
        RecoveryEventTail tail(slow, kKey, &model);
        tail.setBlockMs(200);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        for (int n = 1; n <= 3; ++n)
            m_server->cli(eventArgs(n));
        QTRY_COMPARE(messages(model), numbered(1, 3));

        m_server->cli({QStringLiteral("CLIENT"), QStringLiteral("KILL"), QStringLiteral("TYPE"),
                       QStringLiteral("normal")});
        QTRY_VERIFY(tail.connectionState() != int(RedisConnection::State::Ready));
        for (int n = 4; n <= 13; ++n)
            m_server->cli(eventArgs(n));
        m_server->cli({QStringLiteral("XTRIM"), QString::fromLatin1(kKey), QStringLiteral("MAXLEN"),
                       QStringLiteral("2")}); // 4..11 are gone before the tail is back
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 6, 10000);
        const QStringList got = messages(model);
        QCOMPARE(got.mid(0, 3), numbered(1, 3));
        QCOMPARE(got.mid(4), numbered(12, 13));
        QCOMPARE(model.index(3, RecoveryEventTableModel::Kind).data().toString(),
                 QStringLiteral("⋯ gap"));
        QVERIFY2(got.at(3).startsWith(QStringLiteral("gap: 8 events missing")),
                 qPrintable(got.at(3)));
        QCOMPARE(model.counters().missing, 8);
        QCOMPARE(model.counters().gaps, 1);

        // Back again with nothing trimmed: no new gap row.
        m_server->cli({QStringLiteral("CLIENT"), QStringLiteral("KILL"), QStringLiteral("TYPE"),
                       QStringLiteral("normal")});
        m_server->cli(eventArgs(14));
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 7, 10000);
        QCOMPARE(model.counters().gaps, 1);
    }

    void recreatedStreamIsAGapWithoutAMadeUpCount()
    {
        RecoveryEventTableModel model(1000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        RedisConnectionOptions slow = optionsFor(*m_server);
        slow.reconnectMinMs = 3000;
        RecoveryEventTail tail(slow, kKey, &model);
        tail.setBlockMs(200);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        for (int n = 1; n <= 3; ++n)
            m_server->cli(eventArgs(n));
        QTRY_COMPARE(messages(model), numbered(1, 3));
        QVERIFY(m_server->restart()); // the fixture keeps no data: the stream is new
        m_server->cli(eventArgs(4));
        m_server->cli(eventArgs(5));
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 6, 15000);
        const QStringList got = messages(model);
        QVERIFY2(got.at(3).contains(QStringLiteral("recreated")), qPrintable(got.at(3)));
        QCOMPARE(got.mid(4), numbered(4, 5));
        QCOMPARE(model.counters().missing, 0); // unknown, not invented
    }

    void badEntriesAreMarkedRowsAndTheTailGoesOn()
    {
        RecoveryEventTableModel model(1000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        RecoveryEventTail tail(optionsFor(*m_server), kKey, &model);
        tail.setBlockMs(200);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        QStringList missing = eventArgs(1);
        const int agentAt = int(missing.indexOf(QStringLiteral("agent")));
        missing.remove(agentAt, 2);
        QStringList wrongType = eventArgs(2);
        wrongType[int(wrongType.indexOf(QStringLiteral("attempt"))) + 1] = QStringLiteral("lots");
        QStringList brokenJson = eventArgs(3);
        brokenJson << QStringLiteral("detail") << QStringLiteral("{\"tool\": ");
        QStringList huge = eventArgs(4);
        huge[int(huge.indexOf(QStringLiteral("session_id"))) + 1]
            = QString(100000, QLatin1Char('x')); // (argv caps one argument at 128 KiB)
        for (const QStringList &args : {missing, wrongType, brokenJson, huge})
            m_server->cli(args);
        m_server->cli(eventArgs(5));
        QTRY_COMPARE(model.rowCount(), 5);
        const QStringList needles {QStringLiteral("agent"), QStringLiteral("attempt"),
                                   QStringLiteral("detail"), QStringLiteral("session_id")};
        for (int r = 0; r < 4; ++r) {
            QCOMPARE(model.index(r, 0).data(RecoveryEventTableModel::RowTypeRole).toInt(),
                     int(EventRow::Type::Bad));
            const QString tip
                = model.index(r, RecoveryEventTableModel::Kind).data(Qt::ToolTipRole).toString();
            QVERIFY2(tip.contains(needles.at(r)), qPrintable(tip.left(300)));
            QVERIFY(tip.size() < 5000); // the huge value is not copied into the UI
        }
        QCOMPARE(model.index(4, RecoveryEventTableModel::Message).data().toString(),
                 QStringLiteral("n=5"));
        QCOMPARE(model.counters().bad, 4);
    }

private:
    std::unique_ptr<RedisServer> m_server;
};

QTEST_GUILESS_MAIN(TestRecoveryEventTail)
#include "tst_recoveryeventtail.moc"
