// The live tail against a real redis-server: resuming after the connection is killed
// (nothing lost, nothing twice, no gap row), a trim past the last ID read while away
// (one gap row with the exact number lost), and bad stream entries shown as marked rows
// while good ones keep coming. The model is under QAbstractItemModelTester throughout.
// Issue 17: events at their contract caps that make an XREAD over the reply cap all arrive
// (adaptive COUNT), an entry past the reply cap is one bad row and the tail reads on, an
// oversized backfill shows the newest that fit; the connection is never rebuilt for it.
// Issue 17.6: a stream that went backwards (while connected, or while away: re-read bounded
// by COUNT), a server that changed (new run_id, with or without the stream) are gap rows
// that say so, and the entries below the old last ID show; the normal case reports nothing.
#include "core/redis/RedisConnection.h"
#include "core/redis/RedisStreamEntry.h"
#include "core/services/RecoveryEventTail.h"
#include "core/services/RecoveryEventTailWorker.h"
#include "models/RecoveryEventTableModel.h"
#include "redis/RedisTestUtil.h"
#include "support/Timing.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <cerrno>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

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

// The same event under an explicit stream ID.
QStringList eventArgsAt(int n, const QString &id)
{
    QStringList args = eventArgs(n);
    args[2] = id;
    return args;
}

// Calls of XINFO STREAM the server has answered (INFO commandstats), -1 if not listed.
qint64 xinfoCalls(const RedisServer &server)
{
    const QByteArray stats = server.cli({QStringLiteral("INFO"), QStringLiteral("commandstats")});
    for (const QByteArray &line : stats.split('\n')) {
        if (line.startsWith("cmdstat_xinfo|stream:calls="))
            return line.mid(line.indexOf('=') + 1).split(',').value(0).toLongLong();
    }
    return -1;
}

QByteArray runIdOf(const RedisServer &server)
{
    const QByteArray info = server.cli({QStringLiteral("INFO"), QStringLiteral("server")});
    const qsizetype at = info.indexOf("run_id:");
    return at < 0 ? QByteArray() : info.mid(at + 7, info.indexOf('\n', at) - at - 7).trimmed();
}

// XADDs n = 1..count in one server-side loop (the same fields as eventArgs).
QStringList bulkArgs(int count)
{
    QStringList base = eventArgs(0).mid(3);
    const int at = int(base.indexOf(QStringLiteral("message")));
    base.remove(at, 2);
    QStringList args {QStringLiteral("EVAL"),
                      QStringLiteral("local f = {} for j = 2, #ARGV do f[#f + 1] = ARGV[j] end "
                                     "for i = 1, tonumber(ARGV[1]) do "
                                     "local g = {unpack(f)} g[#g + 1] = 'message' "
                                     "g[#g + 1] = 'n=' .. i "
                                     "redis.call('XADD', KEYS[1], '*', unpack(g)) end"),
                      QStringLiteral("1"), QString::fromLatin1(kKey), QString::number(count)};
    return args + base;
}

// XADDs n = 1..count, each with a message of messageBytes ("n=<i> mmm...") and, when
// detailBytes > 0, a detail of exactly that many bytes of valid JSON; server-side.
QStringList bigArgs(int count, int messageBytes, int detailBytes)
{
    QStringList base = eventArgs(0).mid(3);
    const int at = int(base.indexOf(QStringLiteral("message")));
    base.remove(at, 2);
    QStringList args {
        QStringLiteral("EVAL"),
        QStringLiteral("local f = {} for j = 4, #ARGV do f[#f + 1] = ARGV[j] end "
                       "local n, ml, dl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]) "
                       "for i = 1, n do local g = {unpack(f)} local m = 'n=' .. i .. ' ' "
                       "g[#g + 1] = 'message' g[#g + 1] = m .. string.rep('m', ml - #m) "
                       "if dl > 0 then g[#g + 1] = 'detail' "
                       "g[#g + 1] = '{\"raw_excerpt\":\"' .. string.rep('d', dl - 18) .. '\"}' end "
                       "redis.call('XADD', KEYS[1], '*', unpack(g)) end"),
        QStringLiteral("1"),
        QString::fromLatin1(kKey),
        QString::number(count),
        QString::number(messageBytes),
        QString::number(detailBytes)};
    return args + base;
}

// "n=<i>" of each row's message (the rest of a long message cut), "bad" for a bad row.
QStringList shortMessages(const RecoveryEventTableModel &model)
{
    QStringList out;
    for (int r = 0; r < model.rowCount(); ++r) {
        const RecoveryEventRow &row = model.rowAt(r);
        out << (row.type == RecoveryEventRow::Type::Bad
                    ? QStringLiteral("bad")
                    : row.event.message.section(QLatin1Char(' '), 0, 0));
    }
    return out;
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

private:
    // The test's own EVAL building tens of MB in Lua blocks Redis for seconds (2.6 s for
    // 70 MB here) while the tail's XREAD waits: the product's 5 s timeout, with room.
    RedisConnectionOptions slowScript() const
    {
        RedisConnectionOptions o = optionsFor(*m_server);
        o.commandTimeoutMs = 10000;
        return o;
    }

private Q_SLOTS:

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
        QVERIFY2(got.at(3).contains(QStringLiteral("the server changed")), qPrintable(got.at(3)));
        QCOMPARE(got.mid(4), numbered(4, 5));
        QCOMPARE(model.counters().missing, 0); // unknown, not invented
    }

    // Issue 17.6: the stream went backwards while the tail is connected (a failover to a
    // server whose clock is behind looks the same: IDs below the last one read). Before,
    // XREAD after 5000000000003-0 skipped the new entries for ever, without a word.
    void streamThatWentBackwardsIsAGapRowAndTheNewEntriesShow()
    {
        RecoveryEventTableModel model(1000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        RecoveryEventTail tail(optionsFor(*m_server), kKey, &model);
        tail.setBlockMs(200);
        tail.setIdentityCheckMs(300);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        for (int n = 1; n <= 3; ++n)
            m_server->cli(eventArgsAt(n, QStringLiteral("500000000000%1-0").arg(n)));
        QTRY_COMPARE(messages(model), numbered(1, 3));

        m_server->cli({QStringLiteral("DEL"), QString::fromLatin1(kKey)});
        m_server->cli(eventArgs(4)); // IDs of today: far below 5000000000003-0
        m_server->cli(eventArgs(5));
        const QByteArray newest = m_server
                                      ->cli({QStringLiteral("XREVRANGE"), QString::fromLatin1(kKey),
                                             QStringLiteral("+"), QStringLiteral("-"),
                                             QStringLiteral("COUNT"), QStringLiteral("1")})
                                      .split('\n')
                                      .value(0)
                                      .trimmed();
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 6, 10000);
        const QStringList got = messages(model);
        QCOMPARE(got.mid(0, 3), numbered(1, 3));
        QCOMPARE(model.index(3, RecoveryEventTableModel::Kind).data().toString(),
                 QStringLiteral("⋯ gap"));
        QVERIFY2(got.at(3).startsWith(QStringLiteral("gap: the stream went back from "
                                                     "5000000000003-0 to ")
                                      + QString::fromLatin1(newest)),
                 qPrintable(got.at(3) + QStringLiteral(" / ") + QString::fromLatin1(newest)));
        QVERIFY2(got.at(3).contains(QStringLiteral("may be missing")), qPrintable(got.at(3)));
        QCOMPARE(got.mid(4), numbered(4, 5));
        QCOMPARE(model.counters().gaps, 1);
        QCOMPARE(tail.connects(), 1); // found while reading, not by a reconnect

        // Reading goes on in the new stream, with no second report.
        m_server->cli(eventArgs(6));
        QTRY_COMPARE(model.rowCount(), 7);
        QTest::qWait(800); // more than two identity checks
        QCOMPARE(messages(model).mid(4), numbered(4, 6));
        QCOMPARE(model.counters().gaps, 1);
    }

    // Found after a reconnect, and the re-read is bounded by the tail's COUNT: of the 8
    // entries at or below the new stream's end only the newest 3 are read again; the gap
    // row says after which ID.
    void wentBackwardsWhileAwayReReadsAtMostCountEntries()
    {
        RecoveryEventTableModel model(1000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        RedisConnectionOptions slow = optionsFor(*m_server);
        slow.reconnectMinMs = 1500;
        RecoveryEventTail tail(slow, kKey, &model);
        tail.setBlockMs(200);
        tail.setCount(3);
        tail.setIdentityCheckMs(0); // only on (re)connect
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        for (int n = 1; n <= 2; ++n)
            m_server->cli(eventArgsAt(n, QStringLiteral("500000000000%1-0").arg(n)));
        QTRY_COMPARE(messages(model), numbered(1, 2));

        m_server->cli({QStringLiteral("CLIENT"), QStringLiteral("KILL"), QStringLiteral("TYPE"),
                       QStringLiteral("normal")});
        QTRY_VERIFY(tail.connectionState() != int(RedisConnection::State::Ready));
        m_server->cli({QStringLiteral("DEL"), QString::fromLatin1(kKey)});
        for (int n = 3; n <= 10; ++n)
            m_server->cli(eventArgsAt(n, QStringLiteral("1000-%1").arg(n)));
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 6, 10000);
        const QStringList got = messages(model);
        QVERIFY2(got.at(2).startsWith(
                     QStringLiteral("gap: the stream went back from 5000000000002-0 to 1000-10")),
                 qPrintable(got.at(2)));
        QVERIFY2(got.at(2).contains(QStringLiteral("reading again after 1000-7")),
                 qPrintable(got.at(2)));
        QCOMPARE(got.mid(3), numbered(8, 10));
        m_server->cli(eventArgsAt(11, QStringLiteral("1000-11")));
        QTRY_COMPARE(messages(model).mid(3), numbered(8, 11));
        QCOMPARE(model.counters().gaps, 1);
        QCOMPARE(model.counters().total, 6);
    }

    // Issue 17.6: a restart without persistence is another server (new run_id) with an
    // empty stream. The tail says so as soon as it is back, then reads the new stream from
    // its start: entries under IDs below the last one read (a clock behind) show too.
    void serverThatChangedIsAGapRowAndTheNewEntriesShow()
    {
        RecoveryEventTableModel model(1000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        RecoveryEventTail tail(optionsFor(*m_server), kKey, &model);
        tail.setBlockMs(200);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        for (int n = 1; n <= 3; ++n)
            m_server->cli(eventArgsAt(n, QStringLiteral("500000000000%1-0").arg(n)));
        QTRY_COMPARE(messages(model), numbered(1, 3));
        const QByteArray oldRunId = runIdOf(*m_server);

        QVERIFY(m_server->restart()); // the fixture keeps no data
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 4, 15000);
        QCOMPARE(tail.connects(), 2);
        const QString row = messages(model).at(3);
        QCOMPARE(model.index(3, RecoveryEventTableModel::Kind).data().toString(),
                 QStringLiteral("⋯ gap"));
        QVERIFY2(row.startsWith(QStringLiteral("gap: the server changed (run_id ")),
                 qPrintable(row));
        QVERIFY2(row.contains(QStringLiteral("may be missing")), qPrintable(row));
        const QByteArray newRunId = runIdOf(*m_server);
        QVERIFY(!newRunId.isEmpty());
        QVERIFY(newRunId != oldRunId);
        QVERIFY2(row.contains(QStringLiteral("(run_id %1 -> %2)")
                                  .arg(QString::fromLatin1(oldRunId.left(12)),
                                       QString::fromLatin1(newRunId.left(12)))),
                 qPrintable(row));

        m_server->cli(eventArgs(4)); // today's IDs, below 5000000000003-0
        m_server->cli(eventArgs(5));
        QTRY_COMPARE_WITH_TIMEOUT(messages(model).mid(4), numbered(4, 5), 10000);
        QCOMPARE(model.counters().gaps, 1);
        QCOMPARE(model.counters().total, 5);
    }

    // Another server that holds the same stream (a restart that kept its data, as after a
    // failover to an up-to-date replica): one row says the server changed and that what
    // the old one did not pass on may be missing; nothing is read again.
    void serverChangedWithTheSameStreamIsOneRowAndNothingRepeats()
    {
        RedisOptions persistent;
        persistent.extraArgs = {QStringLiteral("--save"), QStringLiteral("3600 1")};
        RedisServer server(persistent);
        QVERIFY2(server.start(), qPrintable(server.error()));
        RecoveryEventTableModel model(1000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        RecoveryEventTail tail(optionsFor(server), kKey, &model);
        tail.setBlockMs(200);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        for (int n = 1; n <= 3; ++n)
            server.cli(eventArgs(n));
        QTRY_COMPARE(messages(model), numbered(1, 3));
        const QByteArray last = tail.lastId();
        const QByteArray oldRunId = runIdOf(server);

        QVERIFY(server.restart()); // saved at shutdown, loaded at start: same stream
        QVERIFY(runIdOf(server) != oldRunId);
        QCOMPARE(server.cli({QStringLiteral("XLEN"), QString::fromLatin1(kKey)}).trimmed(),
                 QByteArray("3"));
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 4, 15000);
        const QString row = messages(model).at(3);
        QVERIFY2(row.startsWith(QStringLiteral("gap: the server changed (run_id ")),
                 qPrintable(row));
        QVERIFY2(
            row.contains(QStringLiteral("the stream still holds ") + QString::fromLatin1(last)),
            qPrintable(row));
        server.cli(eventArgs(4));
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 5, 10000);
        QTest::qWait(500);
        QCOMPARE(messages(model).mid(0, 3), numbered(1, 3));
        QCOMPARE(messages(model).mid(4), numbered(4, 4));
        QCOMPARE(model.counters().gaps, 1);
        QCOMPARE(tail.entriesRead(), 4);
    }

    // Issue 17.6, the normal case: many identity checks while reading and a reconnect to
    // the same server report nothing, and the checks stay within their bound (one XINFO
    // STREAM per interval while reading, one per connect).
    void noIdentityGapInTheNormalCase()
    {
        RecoveryEventTableModel model(1000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        RedisConnectionOptions quick = optionsFor(*m_server);
        quick.reconnectMinMs = 100;
        RecoveryEventTail tail(quick, kKey, &model);
        tail.setBlockMs(100);
        tail.setIdentityCheckMs(100);
        const qint64 callsBefore = qMax<qint64>(0, xinfoCalls(*m_server));
        QElapsedTimer elapsed;
        elapsed.start();
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        for (int n = 1; n <= 20; ++n) {
            m_server->cli(eventArgs(n));
            QTest::qWait(50);
            if (n == 10) {
                m_server->cli({QStringLiteral("CLIENT"), QStringLiteral("KILL"),
                               QStringLiteral("TYPE"), QStringLiteral("normal")});
                QTRY_COMPARE_WITH_TIMEOUT(tail.connects(), 2, 10000);
            }
        }
        QTRY_COMPARE_WITH_TIMEOUT(messages(model), numbered(1, 20), 10000);
        QTest::qWait(500);
        const qint64 calls = xinfoCalls(*m_server) - callsBefore;
        const qint64 ms = elapsed.elapsed();
        QCOMPARE(messages(model), numbered(1, 20));
        QCOMPARE(model.counters().gaps, 0);
        QVERIFY2(calls >= 5, qPrintable(QString::number(calls))); // it did check, often
        QVERIFY2(calls <= ms / 100 + 3,
                 qPrintable(QStringLiteral("%1 in %2 ms").arg(calls).arg(ms)));
    }

    // Issue 17, contract-valid maximal data: 1 000 events with a 16 KiB message and a
    // 64 KiB detail (each at its cap) make one XREAD COUNT 1000 ~80 MiB, over the 64 MiB
    // reply cap. The reply fails alone, COUNT adapts, every event arrives as a good row,
    // in order, once, and the tail's connection is never rebuilt.
    void contractValidMaximalEventsAllArrive()
    {
        RecoveryEventTableModel model(2000);
        RecoveryEventTail tail(slowScript(), kKey, &model);
        tail.setBlockMs(200);
        tail.setCount(1000);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        const QByteArray wrote = m_server->cli(bigArgs(1000, 16 * 1024, 64 * 1024));
        QVERIFY2(!wrote.contains("ERR"), wrote.constData());
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 1000, 60000);
        QVERIFY2(model.rowAt(0).type == RecoveryEventRow::Type::Event,
                 qPrintable(model.rowAt(0).problem.left(300)));
        QCOMPARE(shortMessages(model), numbered(1, 1000));
        QCOMPARE(model.counters().bad, 0);
        // The whole 16 KiB message was read and parsed (not a bad row); the row keeps the
        // part the view shows.
        QCOMPARE(model.rowAt(999).event.message.size(), RecoveryEventRow::kMaxMessageChars);
        QCOMPARE(tail.entriesRead(), 1000);
        QCOMPARE(tail.connects(), 1);
        m_server->cli(eventArgs(1001)); // and on it reads
        QTRY_COMPARE(model.rowCount(), 1001);
        QCOMPARE(tail.connects(), 1);
    }

    // Issue 17, past every cap: a 70 MB entry among small ones is one marked bad row, the
    // entries on both sides arrive, the tail reads on, and its connection is never rebuilt.
    void anEntryPastTheReplyCapIsOneBadRow()
    {
        RecoveryEventTableModel model(100);
        RecoveryEventTail tail(slowScript(), kKey, &model);
        tail.setBlockMs(200);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        for (int n = 1; n <= 3; ++n)
            m_server->cli(eventArgs(n));
        QTRY_COMPARE(model.rowCount(), 3);
        // A burst the next XREAD reads at once: small, huge, small.
        QStringList burst {
            QStringLiteral("EVAL"),
            QStringLiteral("local f = {} for j = 1, #ARGV do f[#f + 1] = ARGV[j] end "
                           "local function add(m) local g = {unpack(f)} g[#g + 1] = 'message' "
                           "g[#g + 1] = m return redis.call('XADD', KEYS[1], '*', unpack(g)) end "
                           "add('n=4') add('n=5') local id = add(string.rep('x', 70000000)) "
                           "add('n=6') add('n=7') add('n=8') return id"),
            QStringLiteral("1"), QString::fromLatin1(kKey)};
        QStringList base = eventArgs(0).mid(3);
        base.remove(int(base.indexOf(QStringLiteral("message"))), 2);
        const QByteArray id = m_server->cli(burst + base).trimmed();
        QVERIFY2(isStreamId(id), id.constData());
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 9, 30000);
        const QStringList got = shortMessages(model);
        QCOMPARE(got.mid(0, 5), numbered(1, 5));
        QCOMPARE(got.at(5), QStringLiteral("bad"));
        QCOMPARE(got.mid(6), numbered(6, 8));
        const RecoveryEventRow &bad = model.rowAt(5);
        QCOMPARE(bad.event.streamId, QString::fromLatin1(id));
        QVERIFY2(bad.problem.startsWith(QStringLiteral("event ") + QString::fromLatin1(id)
                                        + QStringLiteral(": over the 64 MiB reply cap")),
                 qPrintable(bad.problem));
        QVERIFY2(bad.problem.contains(QStringLiteral("70000000-byte")), qPrintable(bad.problem));
        QCOMPARE(model.counters().bad, 1);
        QCOMPARE(tail.entriesRead(), 9);
        m_server->cli(eventArgs(9));
        QTRY_COMPARE(model.rowCount(), 10);
        QCOMPARE(model.counters().bad, 1);
        QCOMPARE(tail.connects(), 1);
    }

    // The first connect's backfill (XREVRANGE COUNT 5000) is over the cap with these
    // events: it is asked again for the newest that fit, and those come before the rows
    // read live meanwhile, each once.
    void anOversizedBackfillShowsTheNewestThatFitThenTheTail()
    {
        m_server->cli(bigArgs(1000, 16 * 1024, 64 * 1024));
        RecoveryEventTableModel model(6000);
        RecoveryEventTail tail(slowScript(), kKey, &model);
        tail.setBlockMs(200);
        tail.setBackfill(5000);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        m_server->cli(eventArgs(1001));
        QTRY_VERIFY_WITH_TIMEOUT(
            model.rowCount() > 1 && shortMessages(model).last() == QStringLiteral("n=1001"), 30000);
        const QStringList got = shortMessages(model);
        const int backfilled = int(got.size()) - 1;
        QVERIFY2(backfilled >= 500 && backfilled < 1000, qPrintable(QString::number(backfilled)));
        QCOMPARE(got, numbered(1001 - backfilled, 1001));
        QCOMPARE(tail.connects(), 1);
    }

    // The read and the parsing happen on the tail's own thread: with the GUI thread busy
    // (no event-loop pass at all) the worker still reads everything. What it hands over
    // is bounded by the buffer, and the counters stay exact for what it had to skip.
    void workerReadsWhileTheGuiThreadIsBusy()
    {
        RecoveryEventTableModel model(1000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        RecoveryEventTail tail(optionsFor(*m_server), kKey, &model);
        tail.setBlockMs(200);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        QVERIFY(tail.workerThread()->isRunning());
        QVERIFY(tail.workerThread() != QThread::currentThread());
        m_server->cli(bulkArgs(20000));
        QElapsedTimer busy;
        busy.start();
        while (tail.entriesRead() < 20000 && busy.elapsed() < 20000)
            QThread::msleep(5); // the GUI thread does not return to its event loop
        QCOMPARE(tail.entriesRead(), 20000);
        QCOMPARE(model.rowCount(), 0); // nothing reached the model yet: the GUI never ran
        QTRY_COMPARE(model.rowCount(), 1000); // one bounded batch
        QCOMPARE(model.counters().total, 20000);
        QCOMPARE(tail.rowsSkipped(), 19000);
        QCOMPARE(model.counters().evicted, 19000);
        QCOMPARE(model.index(999, RecoveryEventTableModel::Message).data().toString(),
                 QStringLiteral("n=20000"));
    }

    // The worker had to drop rows (the GUI was away while more than the buffer arrived),
    // and a gap row was among the oldest: it is kept, so the "missing" marker shows
    // (a fixed defect: it used to be dropped with the rows, counted but never listed).
    void workerTrimKeepsTheGapRow()
    {
        RecoveryEventTableModel model(4);
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
        for (int n = 4; n <= 20; ++n)
            m_server->cli(eventArgs(n));
        m_server->cli({QStringLiteral("XTRIM"), QString::fromLatin1(kKey), QStringLiteral("MAXLEN"),
                       QStringLiteral("10")}); // 4..10 are gone, 11..20 wait for the tail
        // The GUI thread stays away while the worker reconnects and reads: one batch of the
        // gap row + 10 events for a buffer of 4.
        QElapsedTimer busy;
        busy.start();
        while (tail.entriesRead() < 13 && busy.elapsed() < 15000)
            QThread::msleep(5);
        QCOMPARE(tail.entriesRead(), 13);
        QCOMPARE(model.rowCount(), 3); // nothing reached the model yet
        QTRY_COMPARE(model.counters().total, 13);
        QTRY_COMPARE(model.pendingCount(), 0);
        const QStringList got = messages(model);
        QCOMPARE(got.size(), 4);
        QCOMPARE(model.index(0, RecoveryEventTableModel::Kind).data().toString(),
                 QStringLiteral("⋯ gap"));
        QVERIFY2(got.at(0).startsWith(QStringLiteral("gap: 7 events missing")),
                 qPrintable(got.at(0)));
        QCOMPARE(got.mid(1), numbered(18, 20));
        QCOMPARE(model.counters().gaps, 1);
        QCOMPARE(model.counters().missing, 7);
        QCOMPARE(tail.rowsSkipped(), 7); // 11..17: read and counted, never listed
    }

    // rowsSkipped() covers what the model skipped too: with inserts paced at 3 s, the
    // batches the worker handed over pile up in the model past its buffer (a fixed defect:
    // only the worker's drops were counted).
    void rowsSkippedIncludesWhatTheModelSkipped()
    {
        RecoveryEventTableModel model(1000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMinFlushIntervalMs(3000);
        RecoveryEventTail tail(optionsFor(*m_server), kKey, &model);
        tail.setBlockMs(200);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty());
        m_server->cli(eventArgs(0));
        QTRY_COMPARE(model.rowCount(), 1); // the first insert: the next waits 3 s
        m_server->cli(bulkArgs(20000));
        QTRY_COMPARE_WITH_TIMEOUT(model.counters().total, 20001, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(model.pendingCount(), 0, 10000);
        QVERIFY2(model.neverListed() > 0, "the scenario needs the model itself to skip rows");
        QCOMPARE(model.rowCount(), 1000);
        QCOMPARE(model.index(999, RecoveryEventTableModel::Message).data().toString(),
                 QStringLiteral("n=20000"));
        QCOMPARE(tail.rowsSkipped(), 19000); // n=1..19000: never listed, wherever dropped
        QCOMPARE(model.counters().evicted, 19001); // and the first row, listed then evicted
    }

    // While the worker drains a large backlog, the GUI thread's event loop keeps turning:
    // it only takes finished batches.
    void guiThreadKeepsTurningWhileTheWorkerReads()
    {
        RecoveryEventTableModel model(5000);
        // No QAbstractItemModelTester here: it walks every row on each change, which is
        // the stall it would measure (the model is under the tester in the other tests).
        model.setMinFlushIntervalMs(16);
        model.setRelativeTimes(false); // "0 s ago" turning "1 s ago" would look like a change
        m_server->cli(bulkArgs(30000)); // a backlog read from the start
        RecoveryEventTail tail(optionsFor(*m_server), kKey, &model);
        tail.setBlockMs(200);
        QElapsedTimer clock;
        clock.start();
        qint64 last = 0, worst = 0;
        QTimer tick;
        tick.setTimerType(Qt::PreciseTimer);
        connect(&tick, &QTimer::timeout, this, [&] {
            worst = qMax(worst, clock.elapsed() - last);
            last = clock.elapsed();
        });
        tick.start(1);
        tail.start(QByteArrayLiteral("0"));
        QTRY_COMPARE_WITH_TIMEOUT(model.counters().total, 30001, 20000);
        QVERIFY2(worst < test::maxStallMs(), qPrintable(QString::number(worst)));
        QCOMPARE(model.rowCount(), 5000);
    }

    // The worker yields a shared CPU to the GUI thread: its own tid runs at a higher nice
    // value (CFS weight), the GUI thread's is left as it was.
    void workerThreadHasTheLowerSchedulingWeight()
    {
        qunsetenv("SB_TAIL_NICE");
        errno = 0;
        const int guiBefore = getpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)));
        QCOMPARE(errno, 0);
        RecoveryEventTableModel model(100);
        RecoveryEventTail tail(optionsFor(*m_server), kKey, &model);
        tail.setBlockMs(200);
        tail.start();
        QTRY_VERIFY(!tail.lastId().isEmpty()); // the worker's init() has run
        auto *probe = new QObject;
        probe->moveToThread(tail.workerThread());
        int workerNice = -100, workerErrno = -1;
        QMetaObject::invokeMethod(
            probe,
            [&, probe] {
                errno = 0;
                workerNice = getpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)));
                workerErrno = errno;
                probe->deleteLater();
            },
            Qt::BlockingQueuedConnection);
        QCOMPARE(workerErrno, 0);
        QCOMPARE(workerNice, qMin(19, guiBefore + RecoveryEventTailWorker::kWorkerNice));
        QCOMPARE(getpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid))), guiBefore);
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
                     int(RecoveryEventRow::Type::Bad));
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
