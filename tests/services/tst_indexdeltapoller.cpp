// IndexDeltaPoller against a real redis-server: each change is delivered once, paging
// through many equal scores loses none, an expired hash is reported as vanished and a
// ZREM as removed, the commands it reports are the commands Redis counted, and it comes
// back by itself after Redis restarts (empty).
#include "core/redis/RedisClient.h"
#include "core/redis/RedisUri.h"
#include "core/services/IndexDeltaPoller.h"
#include "core/util/Clock.h"
#include "support/RedisServer.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

using namespace switchboard;
using namespace switchboard::test;

namespace {

RedisConnectionOptions optionsFor(const RedisServer &server)
{
    RedisConnectionOptions o = RedisUri::parse(server.uri())->toOptions();
    o.commandTimeoutMs = 2000;
    o.connectTimeoutMs = 2000;
    o.reconnectMinMs = 100;
    o.reconnectMaxMs = 500;
    return o;
}

std::optional<RedisReply> run(RedisClient &client, const QList<QByteArray> &args)
{
    std::optional<RedisReply> result;
    QObject context;
    client.command(args, &context, [&result](const RedisReply &r) { result = r; });
    QElapsedTimer t;
    t.start();
    while (!result && t.elapsed() < 10000)
        QTest::qWait(2);
    return result;
}

QByteArray member(int i)
{
    return QByteArray("h:app:") + QByteArray::number(i);
}

IndexDeltaPoller::Options options()
{
    IndexDeltaPoller::Options o;
    o.indexKey = "t:procs";
    o.hashKey = [](const QByteArray &m) -> QByteArray {
        return QByteArray("t:proc:") + m;
    };
    o.intervalMs = 100000; // the tests poll by hand
    return o;
}

// Polls once and returns its delta (nullopt when it failed or took too long).
std::optional<IndexDelta> pollOnce(IndexDeltaPoller &poller)
{
    std::optional<IndexDelta> out;
    QMetaObject::Connection c = QObject::connect(&poller, &IndexDeltaPoller::delta,
                                                 [&out](const IndexDelta &d) { out = d; });
    poller.pollNow();
    QElapsedTimer t;
    t.start();
    while (!out && t.elapsed() < 10000)
        QTest::qWait(2);
    QObject::disconnect(c);
    return out;
}

QSet<QByteArray> members(const QVector<IndexRecord> &records)
{
    QSet<QByteArray> s;
    for (const IndexRecord &r : records)
        s.insert(r.member);
    return s;
}

} // namespace

class TestIndexDeltaPoller : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_server = std::make_unique<RedisServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->error()));
        m_writer = std::make_unique<RedisClient>(optionsFor(*m_server));
        m_writer->open();
    }
    void cleanup()
    {
        m_writer.reset();
        m_server.reset();
    }

    void upsertsAreSeenOnce()
    {
        for (int i = 0; i < 5; ++i)
            write(i, 1000 + i);
        RedisClient client(optionsFor(*m_server));
        client.open();
        IndexDeltaPoller poller(&client, options());
        auto d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(d->upserts.size(), 5);
        QVERIFY(d->full);
        const IndexRecord &first = d->upserts.first();
        QCOMPARE(first.member, member(0));
        QCOMPARE(first.score, qint64(1000));
        QCOMPARE(first.fields, (QList<QByteArray> {"n", "0"}));

        d = pollOnce(poller);
        QVERIFY(d && d->isEmpty());
        QVERIFY(!d->full);

        write(3, 2000);
        write(7, 1500); // new, with a score below the highest but above the cursor
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->upserts), (QSet<QByteArray> {member(3), member(7)}));
        d = pollOnce(poller);
        QVERIFY(d && d->isEmpty());
    }

    void pagingThroughEqualScoresLosesNone()
    {
        // 95 members at one score, 40 at the next: every page boundary falls inside a
        // run of equal scores.
        for (int i = 0; i < 135; ++i)
            write(i, i < 95 ? 5000 : 5001);
        RedisClient client(optionsFor(*m_server));
        client.open();
        auto o = options();
        o.batch = 10;
        IndexDeltaPoller poller(&client, o);
        auto d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(d->upserts.size(), 135);
        QCOMPARE(members(d->upserts).size(), 135); // each once

        // Members added at the cursor's own score, sorting before and among the seen.
        write(1000, 5001);
        write(-1, 5001);
        write(50, 5001); // moved up from 5000
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->upserts), (QSet<QByteArray> {member(1000), member(-1), member(50)}));
        QCOMPARE(d->upserts.size(), 3);
    }

    void expiredHashIsVanishedOnce()
    {
        write(1, 10000);
        write(2, 10000);
        // A member whose hash was gone before the console started: silent at once.
        QVERIFY(run(*m_writer, {"ZADD", "t:procs", "1000", member(3)}));
        RedisClient client(optionsFor(*m_server));
        client.open();
        auto o = options();
        o.staleAfterMs = 100;
        ManualClock clock; // the poller's staleness schedule: stepped, not waited for
        o.clock = &clock;
        IndexDeltaPoller poller(&client, o);
        auto d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->upserts), (QSet<QByteArray> {member(1), member(2)}));
        QCOMPARE(members(d->vanished), (QSet<QByteArray> {member(3)}));
        QCOMPARE(d->vanished.first().score, qint64(1000));

        QVERIFY(run(*m_writer, {"PEXPIRE", "t:proc:" + member(1), "2000"}));
        clock.advanceMs(150);
        d = pollOnce(poller); // stale now by the poller's clock: PTTL says it is alive
        QVERIFY(d && d->vanished.isEmpty());
        // The expiry is the server's (its clock is the subject here): waited for, then
        // the poller's clock stepped past the re-check PTTL asked for (TTL + 50 ms).
        QTRY_VERIFY_WITH_TIMEOUT(run(*m_writer, {"EXISTS", "t:proc:" + member(1)})->integer() == 0,
                                 10000);
        clock.advanceMs(3000);
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->vanished), (QSet<QByteArray> {member(1)}));
        QCOMPARE(d->vanished.first().score, qint64(10000));
        d = pollOnce(poller);
        QVERIFY(d && d->vanished.isEmpty()); // once

        write(1, 10001); // the writer is back
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->upserts), (QSet<QByteArray> {member(1)}));
    }

    void staleChecksTakeTheMostOverdueFirst()
    {
        // 20 members settled by the first poll, 10..19 again by a later one; then every
        // hash goes. With room for 10 PTTL per poll, the next poll checks the 10 that
        // stopped moving first (0..9) and the one after the rest: a due order, not a walk
        // over the known members in hash order (which picked any 10 of the 20).
        for (int i = 0; i < 20; ++i)
            write(i, 1000 + i);
        RedisClient client(optionsFor(*m_server));
        client.open();
        auto o = options();
        o.staleAfterMs = 300;
        o.batch = 10;
        ManualClock clock;
        o.clock = &clock;
        IndexDeltaPoller poller(&client, o);
        auto d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(d->upserts.size(), 20);
        clock.advanceMs(100);
        for (int i = 10; i < 20; ++i)
            write(i, 2000 + i);
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(d->upserts.size(), 10);
        QCOMPARE(d->commands, 2 + 10); // two ZRANGE pages, 10 HGETALL; nothing due yet
        for (int i = 0; i < 20; ++i)
            QVERIFY(run(*m_writer, {"DEL", "t:proc:" + member(i)}));
        clock.advanceMs(450); // all 20 are due now; 0..9 for 100 ms longer
        QSet<QByteArray> first, second;
        for (int i = 0; i < 10; ++i) {
            first.insert(member(i));
            second.insert(member(10 + i));
        }
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->vanished), first);
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->vanished), second);
        d = pollOnce(poller);
        QVERIFY(d && d->vanished.isEmpty()); // reported once, not checked again
        QCOMPARE(d->commands, 1); // the ZRANGE alone
    }

    void aWriterAheadOfTheClockDoesNotHideTheOthers()
    {
        // A writer whose clock is 60 s ahead stamps its score in the future. The cursor
        // stops at the clock (Options::nowMs, the server's in the console), so an honest
        // writer's next update is still read; the future score is not re-read each poll.
        // (Before: the cursor jumped to the future score and every other update stayed
        // unseen until the clock caught up with it: the soak's stalled sessions view.)
        qint64 clock = 100000;
        auto o = options();
        o.nowMs = [&clock] {
            return clock;
        };
        write(1, 99000);
        RedisClient client(optionsFor(*m_server));
        client.open();
        IndexDeltaPoller poller(&client, o);
        auto d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->upserts), (QSet<QByteArray> {member(1)}));

        write(2, clock + 60000);
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->upserts), (QSet<QByteArray> {member(2)}));

        clock += 1000;
        write(1, clock - 100); // the honest writer, 100 ms ago
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->upserts), (QSet<QByteArray> {member(1)}));
        QCOMPARE(d->upserts.first().score, clock - 100);

        d = pollOnce(poller);
        QVERIFY(d && d->isEmpty()); // the future score is seen, not read again
        QCOMPARE(d->commands, 1);
    }

    void zremIsRemoved()
    {
        for (int i = 0; i < 30; ++i)
            write(i, 100 + i);
        RedisClient client(optionsFor(*m_server));
        client.open();
        auto o = options();
        o.batch = 7; // the ZSCAN pass takes several polls
        o.resyncEveryMs = 0;
        IndexDeltaPoller poller(&client, o);
        QVERIFY(pollOnce(poller));
        QVERIFY(run(*m_writer, {"ZREM", "t:procs", member(4), member(17)}));
        QSet<QByteArray> removed;
        for (int i = 0; i < 20 && removed.size() < 2; ++i) {
            auto d = pollOnce(poller);
            QVERIFY(d);
            for (const QByteArray &m : d->removed)
                removed.insert(m);
        }
        QCOMPARE(removed, (QSet<QByteArray> {member(4), member(17)}));
        QCOMPARE(poller.knownCount(), 28);
    }

    void commandsAreCounted()
    {
        for (int i = 0; i < 25; ++i)
            write(i, 100 + i);
        RedisClient client(optionsFor(*m_server));
        client.open();
        auto o = options();
        o.batch = 10;
        IndexDeltaPoller poller(&client, o);
        QVERIFY(run(client, {"PING"}));
        const qint64 before = processed();
        auto d = pollOnce(poller);
        QVERIFY(d);
        // 3 ZRANGE pages + 1 ZSCAN (resync pass) + 25 HGETALL.
        QCOMPARE(d->commands, 3 + 1 + 25);
        QCOMPARE(processed() - before, qint64(d->commands) + 1); // + the INFO itself
        QCOMPARE(poller.commandsSent(), quint64(d->commands));
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(d->commands, 1); // nothing moved: one ZRANGE
        QCOMPARE(poller.commandsSent(), quint64(30));
    }

    void fieldsRefreshBudgetTouchesInsteadOfReading()
    {
        write(1, 100);
        write(2, 100);
        RedisClient client(optionsFor(*m_server));
        client.open();
        auto o = options();
        o.fieldsRefreshMs = 60000;
        IndexDeltaPoller poller(&client, o);
        QVERIFY(pollOnce(poller));
        write(1, 200);
        write(2, 200);
        poller.markDirty(member(2));
        auto d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->touched), (QSet<QByteArray> {member(1)}));
        QCOMPARE(d->touched.first().score, qint64(200));
        QCOMPARE(members(d->upserts), (QSet<QByteArray> {member(2)}));
        poller.setPriorityMembers({member(1)});
        write(1, 300);
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->upserts), (QSet<QByteArray> {member(1)}));
    }

    // Options::sliceBudgetMs: a poll of 3000 members runs in many event-loop passes (a
    // zero timer keeps firing during it) and delivers exactly what an unsliced poll does.
    // Options::maxFieldReadsPerPoll caps the re-reads that are due by age only.
    void slicedPollYieldsAndDeliversAll()
    {
        QList<QList<QByteArray>> cmds;
        for (int i = 0; i < 3000; ++i) {
            cmds.append({"HSET", "t:proc:" + member(i), "n", QByteArray::number(i)});
            cmds.append({"ZADD", "t:procs", QByteArray::number(1000 + i % 7), member(i)});
        }
        bool written = false;
        QObject ctx;
        m_writer->pipeline(cmds, &ctx, [&written](const QList<RedisReply> &) { written = true; });
        QTRY_VERIFY_WITH_TIMEOUT(written, 20000);

        RedisClient client(optionsFor(*m_server));
        client.open();
        auto o = options();
        o.batch = 500;
        o.sliceBudgetMs = 1;
        o.fieldsRefreshMs = 1; // every member is due again at once
        o.maxFieldReadsPerPoll = 100;
        IndexDeltaPoller poller(&client, o);
        int passes = 0;
        QTimer probe;
        connect(&probe, &QTimer::timeout, [&passes] { ++passes; });
        probe.start(0);
        auto d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(d->upserts.size(), 3000); // new members are never capped
        QCOMPARE(members(d->upserts).size(), 3000);
        for (const IndexRecord &r : std::as_const(d->upserts))
            QCOMPARE(r.fields.value(1), r.member.mid(6)); // "n" = its own number
        // 3000 reads in pipelines of 500: at least one pass per pipeline after the first.
        qInfo("event-loop passes during the first poll: %d, steps continued: %d", passes,
              int(poller.continuedSteps()));
        QVERIFY(poller.continuedSteps() >= 5);
        QVERIFY(passes > int(poller.continuedSteps()));

        QTest::qWait(5);
        cmds.clear();
        for (int i = 0; i < 3000; ++i)
            cmds.append({"ZADD", "t:procs", QByteArray::number(5000 + i), member(i)});
        written = false;
        m_writer->pipeline(cmds, &ctx, [&written](const QList<RedisReply> &) { written = true; });
        QTRY_VERIFY_WITH_TIMEOUT(written, 20000);
        poller.markDirty(member(2999)); // dirty: read beyond the cap
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(d->upserts.size(), 101);
        QVERIFY(members(d->upserts).contains(member(2999)));
        QCOMPARE(d->touched.size(), 2899);
        QVERIFY(!members(d->upserts).intersects(members(d->touched)));
    }

    // The cap on age-due re-reads takes the longest overdue first: over a few polls every
    // member is re-read, not the same lowest-score ones each time (which left the rest of
    // a fleet's CPU / memory columns stale for ever).
    void cappedReReadsReachEveryMember()
    {
        const auto writeScores = [this](int base) {
            QList<QList<QByteArray>> cmds;
            for (int i = 0; i < 400; ++i) {
                cmds.append({"HSET", "t:cap:" + member(i), "n", QByteArray::number(i)});
                cmds.append({"ZADD", "t:caps", QByteArray::number(base + i), member(i)});
            }
            bool written = false;
            QObject ctx;
            m_writer->pipeline(cmds, &ctx,
                               [&written](const QList<RedisReply> &) { written = true; });
            QTRY_VERIFY_WITH_TIMEOUT(written, 20000);
        };
        writeScores(1000);
        RedisClient client(optionsFor(*m_server));
        client.open();
        auto o = options();
        o.indexKey = "t:caps";
        o.hashKey = [](const QByteArray &m) -> QByteArray {
            return QByteArray("t:cap:") + m;
        };
        o.fieldsRefreshMs = 1; // every member is due again at once
        o.maxFieldReadsPerPoll = 50;
        IndexDeltaPoller poller(&client, o);
        QVERIFY(pollOnce(poller)); // the first poll reads everything (new members)
        QSet<QByteArray> reread;
        for (int round = 1; round <= 8; ++round) {
            QTest::qWait(5);
            writeScores(1000 + round * 1000); // every score moves, like a heartbeat
            const auto d = pollOnce(poller);
            QVERIFY(d);
            QCOMPARE(d->upserts.size(), 50);
            QCOMPARE(d->touched.size(), 350);
            reread |= members(d->upserts);
        }
        QCOMPARE(reread.size(), 400); // 8 polls x 50: each member exactly once
    }

    void recoversAfterRedisRestart()
    {
        for (int i = 0; i < 3; ++i)
            write(i, 100 + i);
        RedisClient client(optionsFor(*m_server));
        client.open();
        auto o = options();
        o.intervalMs = 100;
        IndexDeltaPoller poller(&client, o);
        QSignalSpy failures(&poller, &IndexDeltaPoller::failed);
        QList<IndexDelta> deltas;
        connect(&poller, &IndexDeltaPoller::delta,
                [&deltas](const IndexDelta &d) { deltas.append(d); });
        poller.start();
        QTRY_VERIFY(!deltas.isEmpty());
        QCOMPARE(deltas.first().upserts.size(), 3);

        const int before = int(deltas.size());
        QVERIFY(m_server->restart()); // no persistence: it comes back empty
        const auto writerBack = [this] {
            const auto r = run(*m_writer, {"PING"});
            return r && r->isStatus();
        };
        QTRY_VERIFY_WITH_TIMEOUT(writerBack(), 10000);
        write(9, 50); // below the old cursor: the new server's data is older
        // After the reconnect (or a failed poll) the poller re-reads from -inf and re-scans: the
        // new member arrives, the old ones are reported removed.
        QSet<QByteArray> upserted, removed;
        QElapsedTimer t;
        t.start();
        int seen = before;
        while (t.elapsed() < 15000 && (!upserted.contains(member(9)) || removed.size() < 3)) {
            QTest::qWait(50);
            for (; seen < deltas.size(); ++seen) {
                const int i = seen;
                for (const IndexRecord &r : deltas.at(i).upserts)
                    upserted.insert(r.member);
                for (const QByteArray &m : deltas.at(i).removed)
                    removed.insert(m);
            }
        }
        qInfo("polls failed while Redis was away: %d; deltas %d; polling %d; removed %d",
              int(failures.size()), int(deltas.size()), int(poller.isPolling()),
              int(removed.size()));

        QVERIFY(upserted.contains(member(9)));
        QCOMPARE(removed, (QSet<QByteArray> {member(0), member(1), member(2)}));
    }

private:
    void write(int i, qint64 score)
    {
        const QByteArray m = member(i);
        const auto r = run(*m_writer, {"HSET", "t:proc:" + m, "n", QByteArray::number(i)});
        QVERIFY(r && r->isInteger());
        QVERIFY(run(*m_writer, {"ZADD", "t:procs", QByteArray::number(score), m}));
    }

    qint64 processed() const
    {
        const QByteArray info = m_server->cli({QStringLiteral("INFO"), QStringLiteral("stats")});
        for (const QByteArray &line : info.split('\n')) {
            if (line.startsWith("total_commands_processed:"))
                return line.mid(25).trimmed().toLongLong();
        }
        return -1;
    }

    std::unique_ptr<RedisServer> m_server;
    std::unique_ptr<RedisClient> m_writer;
};

QTEST_GUILESS_MAIN(TestIndexDeltaPoller)
#include "tst_indexdeltapoller.moc"
