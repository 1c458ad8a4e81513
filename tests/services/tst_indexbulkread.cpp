// IndexDeltaPoller's bulk read (Options::bulkFields: SORT_RO ... GET) against a real
// redis-server: only the named fields are read, in LIMIT-bounded SORT_RO commands and no
// HGETALL; a change is read again in bulk; a member SORT_RO cannot answer for (no hash,
// not a hash) falls back to HGETALL; and a server that refuses SORT_RO (an ACL user
// without +sort_ro) gets HGETALL for everything, from then on without asking again.
#include "core/redis/RedisClient.h"
#include "core/redis/RedisUri.h"
#include "core/services/IndexDeltaPoller.h"
#include "redis/RedisTestUtil.h"
#include "support/RedisServer.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <optional>

using namespace switchboard;
using namespace switchboard::test;

namespace {

QByteArray member(int i)
{
    return QByteArray("m") + QByteArray::number(i);
}

IndexDeltaPoller::Options options()
{
    IndexDeltaPoller::Options o;
    o.indexKey = "t:sessions";
    o.hashKey = [](const QByteArray &m) -> QByteArray {
        return QByteArray("t:session:") + m;
    };
    o.intervalMs = 100000; // the tests poll by hand
    o.bulkFields = {"n", "absent"};
    return o;
}

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

// calls=N of one command in INFO commandstats, 0 when never called.
qint64 calls(const RedisServer &server, const QByteArray &command)
{
    const QByteArray info = server.cli({QStringLiteral("INFO"), QStringLiteral("commandstats")});
    for (const QByteArray &line : info.split('\n')) {
        if (line.startsWith(QByteArray("cmdstat_" + command + ":calls=")))
            return line.mid(line.indexOf('=') + 1).split(',').first().toLongLong();
    }
    return 0;
}

} // namespace

class TestIndexBulkRead : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void readsOnlyTheNamedFieldsInBulk()
    {
        RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.error()));
        RedisClient writer(optionsFor(server));
        writer.open();
        for (int i = 0; i < 600; ++i)
            write(writer, i, 1000 + i);
        RedisClient client(optionsFor(server));
        client.open();
        IndexDeltaPoller poller(&client, options());
        auto d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(d->upserts.size(), 600);
        for (const IndexRecord &r : d->upserts) {
            // "x" is not asked for, "absent" is not in the hash: only n.
            QCOMPARE(r.fields, (QList<QByteArray> {"n", r.member.mid(1)}));
            QCOMPARE(r.score, 1000 + r.member.mid(1).toLongLong());
        }
        // 1 ZRANGE + 1 ZSCAN + 600 / 250 -> 3 SORT_RO, and no HGETALL at all.
        QCOMPARE(d->commands, 1 + 1 + 3);
        QCOMPARE(poller.bulkCommandsSent(), quint64(3));
        QCOMPARE(poller.fallbackReads(), quint64(0));
        QCOMPARE(calls(server, "sort_ro"), qint64(3));
        QCOMPARE(calls(server, "hgetall"), qint64(0));
        QVERIFY(poller.bulkRefusal().isEmpty());

        // Three changes: read again in bulk, exactly those.
        write(writer, 5, 5000, "five");
        write(writer, 77, 5001, "seventy-seven");
        write(writer, 599, 5002, "last");
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(d->upserts.size(), 3);
        QCOMPARE(d->upserts.at(0).member, member(5));
        QCOMPARE(d->upserts.at(0).fields, (QList<QByteArray> {"n", "five"}));
        QCOMPARE(d->upserts.at(2).fields, (QList<QByteArray> {"n", "last"}));
        QCOMPARE(poller.bulkCommandsSent(), quint64(4));
        QCOMPARE(calls(server, "hgetall"), qint64(0));

        // No hash at all, and a key that is not a hash: SORT_RO answers nil for both, so
        // HGETALL says which (fresh score, hash missing: looked at again; WRONGTYPE: an
        // upsert without fields, a bad row).
        QVERIFY(runCommand(writer, {"ZADD", "t:sessions", "6000", member(900)}));
        QVERIFY(runCommand(writer, {"SET", "t:session:" + member(901), "a string"}));
        QVERIFY(runCommand(writer, {"ZADD", "t:sessions", "6001", member(901)}));
        write(writer, 7, 6002, "seven");
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(poller.fallbackReads(), quint64(2));
        QCOMPARE(calls(server, "hgetall"), qint64(2));
        QCOMPARE(d->upserts.size(), 2);
        QCOMPARE(d->upserts.at(0).member, member(901));
        QVERIFY(d->upserts.at(0).fields.isEmpty());
        QCOMPARE(d->upserts.at(1).member, member(7));
        QCOMPARE(d->upserts.at(1).fields, (QList<QByteArray> {"n", "seven"}));
        QVERIFY(d->vanished.isEmpty()); // a fresh score: not reported silent yet
    }

    void memberFoundByTheScanIsNotSoughtPastTheWindow()
    {
        // A writer whose clock is behind moves member 3 below the cursor; the ZSCAN pass
        // finds it. SORT_RO's window is the top of the zset, so reading on below the
        // window cannot find it: it goes straight to HGETALL (it cost one more SORT_RO of
        // the next window before).
        RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.error()));
        RedisClient writer(optionsFor(server));
        writer.open();
        for (int i = 0; i < 10; ++i)
            write(writer, i, 1000 + i);
        RedisClient client(optionsFor(server));
        client.open();
        auto o = options();
        o.bulkBatch = 2;
        IndexDeltaPoller poller(&client, o);
        auto d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(d->upserts.size(), 10);
        const quint64 bulk0 = poller.bulkCommandsSent();
        QCOMPARE(poller.fallbackReads(), quint64(0));

        write(writer, 3, 500, "behind"); // below the cursor (1009)
        write(writer, 8, 2000, "ahead");
        poller.resyncSoon(); // a ZSCAN pass in this poll
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(members(d->upserts), (QSet<QByteArray> {member(3), member(8)}));
        for (const IndexRecord &r : d->upserts)
            QCOMPARE(r.fields.value(1), r.member == member(3) ? "behind" : "ahead");
        // The window (members 8 and 9) in one SORT_RO; member 3 by HGETALL.
        QCOMPARE(poller.bulkCommandsSent() - bulk0, quint64(1));
        QCOMPARE(poller.fallbackReads(), quint64(1));
        QCOMPARE(d->commands, 1 + 1 + 1 + 1); // ZRANGE, ZSCAN, SORT_RO, HGETALL
    }

    void refusedSortRoFallsBackToHgetall()
    {
        RedisOptions ro;
        ro.aclUsers = {QStringLiteral("limited on >pw ~* +@all -sort_ro")};
        RedisServer server(ro);
        QVERIFY2(server.start(), qPrintable(server.error()));
        RedisClient writer(optionsFor(server));
        writer.open();
        for (int i = 0; i < 30; ++i)
            write(writer, i, 100 + i);
        RedisConnectionOptions limited = optionsFor(server);
        limited.username = QStringLiteral("limited");
        limited.password = QStringLiteral("pw");
        RedisClient client(limited);
        client.open();
        IndexDeltaPoller poller(&client, options());
        auto d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(d->upserts.size(), 30);
        for (const IndexRecord &r : d->upserts) // HGETALL: the whole hash, x included
            QCOMPARE(r.fields, (QList<QByteArray> {"n", r.member.mid(1), "x", "extra"}));
        QVERIFY2(poller.bulkRefusal().contains(QLatin1String("NOPERM")),
                 qPrintable(poller.bulkRefusal()));
        QCOMPARE(d->commands, 1 + 1 + 1 + 30); // ZRANGE, ZSCAN, the refused SORT_RO, HGETALL
        QCOMPARE(poller.fallbackReads(), quint64(30));

        write(writer, 3, 900, "three");
        d = pollOnce(poller);
        QVERIFY(d);
        QCOMPARE(d->upserts.size(), 1);
        QCOMPARE(d->upserts.at(0).fields, (QList<QByteArray> {"n", "three", "x", "extra"}));
        QCOMPARE(d->commands, 1 + 1); // not asked again: ZRANGE + HGETALL
        QCOMPARE(poller.bulkCommandsSent(), quint64(1));
        QCOMPARE(calls(server, "hgetall"), qint64(31));
    }

    // A first poll of 10 000 members (past the size from which the poller sizes its reads
    // and its SORT_RO vectors in event-loop passes of their own and frees the pass on its
    // disposal thread), sliced at 1 ms: every member arrives with its fields, in bulk; so
    // does a second poll that moved them all. (The asan run checks the frees.)
    void bigPassesInTheirOwnPasses()
    {
        RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.error()));
        RedisClient writer(optionsFor(server));
        writer.open();
        const int n = 10000;
        const auto writeAll = [&](qint64 base) {
            QList<QList<QByteArray>> cmds;
            for (int i = 0; i < n; ++i) {
                cmds.append({"HSET", "t:session:" + member(i), "n", member(i).mid(1)});
                cmds.append({"ZADD", "t:sessions", QByteArray::number(base + i), member(i)});
            }
            bool written = false;
            QObject ctx;
            writer.pipeline(cmds, &ctx, [&written](const QList<RedisReply> &) { written = true; });
            QTRY_VERIFY_WITH_TIMEOUT(written, 20000);
        };
        writeAll(1000);
        RedisClient client(optionsFor(server));
        client.open();
        auto o = options();
        o.sliceBudgetMs = 1;
        o.bulkBatch = 125;
        o.maxPagesPerPoll = 1000;
        IndexDeltaPoller poller(&client, o);
        for (int round = 0; round < 2; ++round) {
            const quint64 continued0 = poller.continuedSteps();
            auto d = pollOnce(poller);
            QVERIFY(d);
            QCOMPARE(d->upserts.size(), n);
            QCOMPARE(members(d->upserts).size(), n);
            for (const IndexRecord &r : std::as_const(d->upserts))
                QCOMPARE(r.fields, (QList<QByteArray> {"n", r.member.mid(1)}));
            QVERIFY(poller.continuedSteps() >= continued0 + 2); // sizing, then SORT_RO set-up
            QCOMPARE(calls(server, "hgetall"), qint64(0));
            writeAll(100000 * (round + 1));
        }
        QCOMPARE(poller.fallbackReads(), quint64(0));
        QVERIFY(calls(server, "sort_ro") >= 2 * n / 125);
    }

private:
    void write(RedisClient &writer, int i, qint64 score, const QByteArray &n = {})
    {
        const QByteArray m = member(i);
        const auto r = runCommand(
            writer, {"HSET", "t:session:" + m, "n", n.isEmpty() ? m.mid(1) : n, "x", "extra"});
        QVERIFY(r && r->isInteger());
        QVERIFY(runCommand(writer, {"ZADD", "t:sessions", QByteArray::number(score), m}));
    }
};

QTEST_GUILESS_MAIN(TestIndexBulkRead)
#include "tst_indexbulkread.moc"
