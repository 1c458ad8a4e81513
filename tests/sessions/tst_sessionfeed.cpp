// SessionFeed (the shared IndexDeltaPoller + SessionTableModel) against a real
// redis-server: sessions appear, changes merge (no reset), a bad hash is a marked row
// while the rest keep updating, an expired hash and a member removed from the zset both
// leave the list. The model is under QAbstractItemModelTester throughout. A hash over the
// reply cap is one bad row and costs nothing else (issue 17).
#include "SessionTestData.h"
#include "core/contract/Keys.h"
#include "core/contract/ProcessRecord.h"
#include "core/services/ProcsPollerOptions.h"
#include "core/services/SessionFeed.h"
#include "models/SessionProxyModel.h"
#include "models/SessionTableModel.h"
#include "redis/RedisTestUtil.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

using namespace switchboard;
using namespace switchboard::test;

class TestSessionFeed : public QObject
{
    Q_OBJECT
private:
    void writeSession(RedisClient &client, const Keys &keys, const SessionRecord &r)
    {
        QList<QByteArray> hset {"HSET", keys.session(r.id)};
        hset += r.toFields().toFlatList();
        QVERIFY(runCommand(client, hset));
        QVERIFY(runCommand(
            client, {"ZADD", keys.sessions(), QByteArray::number(r.updatedAt), r.id.toUtf8()}));
    }

private Q_SLOTS:
    void followsTheIndex()
    {
        RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.error()));
        RedisClient client(optionsFor(server));
        QSignalSpy ready(&client, &RedisClient::ready);
        client.open();
        QVERIFY(ready.wait(5000));
        const Keys keys(QByteArrayLiteral("t:"));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();

        for (int i = 0; i < 20; ++i)
            writeSession(client, keys,
                         sessionRecord(QStringLiteral("s%1").arg(i), 1000 * i, now - 1000 + i));
        // bad-data: ctx_tokens not a number, and a hash with only one field.
        QVERIFY(runCommand(
            client,
            {"HSET", keys.session(QStringLiteral("bad1")), "agent", "x", "ctx_tokens", "lots"}));
        QVERIFY(runCommand(client, {"ZADD", keys.sessions(), QByteArray::number(now), "bad1"}));

        SessionTableModel model(SessionSettings {});
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        auto options = SessionFeed::options(keys, 100);
        options.staleAfterMs = 500; // find the expired hash quickly
        SessionFeed feed(&client, options, &model);
        feed.poller()->resyncSoon();
        feed.start();
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 21, 5000);
        QCOMPARE(model.badCount(), 1);
        const QString reason
            = model.data(model.index(model.rowOf("bad1"), 0), Qt::ToolTipRole).toString();
        QVERIFY2(reason.contains(QStringLiteral("ctx_tokens = 'lots'")), qPrintable(reason));

        // A change merges into its row.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        writeSession(client, keys, sessionRecord(QStringLiteral("s3"), 95000, now + 5000));
        QTRY_COMPARE_WITH_TIMEOUT(
            model.data(model.index(model.rowOf("s3"), SessionTableModel::Fill)).toString(),
            QStringLiteral("95 %"), 5000);
        QCOMPARE(model.alertCount(), 1);

        // Expired hash (member still in the zset): leaves. The poller checks quiet members
        // after staleAfterMs, so give it a short one for the test.
        QVERIFY(runCommand(client, {"DEL", keys.session(QStringLiteral("s5"))}));
        // Removed from the zset (writer's ZREMRANGEBYSCORE): leaves on the resync pass.
        QVERIFY(runCommand(client, {"ZREM", keys.sessions(), "s7"}));
        feed.poller()->resyncSoon();
        QTRY_VERIFY_WITH_TIMEOUT(model.rowOf("s7") < 0, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(model.rowOf("s5") < 0, 10000);
        QCOMPARE(model.rowCount(), 19);
        QCOMPARE(reset.count(), 0);
        QVERIFY(feed.commandsSent() > 0);
    }

    // A poll bigger than a slice (1 000 sessions, 250 rows per slice) is merged over
    // several apply()s, with the model and the sorted proxy under
    // QAbstractItemModelTester the whole time; the proxy is in order after every slice and
    // a change after the load moves its row. The hashes are read in bulk (SORT_RO).
    void bigPollIsMergedInSlices()
    {
        RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.error()));
        RedisClient client(optionsFor(server));
        QSignalSpy ready(&client, &RedisClient::ready);
        client.open();
        QVERIFY(ready.wait(5000));
        const Keys keys(QByteArrayLiteral("t:"));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        constexpr int kSessions = 1000;
        for (int i = 0; i < kSessions; ++i)
            writeSession(
                client, keys,
                sessionRecord(QStringLiteral("s%1").arg(i), (i * 7919) % 100000, now - 5000 + i));

        SessionTableModel model(SessionSettings {});
        SessionProxyModel proxy(&model);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(
            &proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.sort(SessionTableModel::Fill, Qt::DescendingOrder);
        int slices = 0;
        int unsorted = 0;
        connect(&model, &SessionTableModel::applied, this, [&] {
            ++slices;
            for (int r = 1; r < proxy.rowCount(); ++r)
                unsorted += proxy.index(r - 1, 0).data(SessionTableModel::FillRole).toDouble()
                    < proxy.index(r, 0).data(SessionTableModel::FillRole).toDouble();
        });
        SessionFeed feed(&client, SessionFeed::options(keys, 200), &model);
        feed.start();
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), kSessions, 20000);
        QVERIFY2(slices >= kSessions / 250, qPrintable(QString::number(slices)));
        QCOMPARE(unsorted, 0);
        QCOMPARE(proxy.rowCount(), kSessions);
        QVERIFY(feed.poller()->bulkCommandsSent() > 0);
        QVERIFY(feed.poller()->bulkRefusal().isEmpty());

        // The emptiest session fills up: it moves to the top of the sorted proxy.
        const QByteArray last
            = proxy.index(kSessions - 1, 0).data(SessionTableModel::IdRole).toString().toUtf8();
        writeSession(client, keys, sessionRecord(QString::fromUtf8(last), 99999, now + 10000));
        QTRY_COMPARE_WITH_TIMEOUT(
            proxy.index(0, 0).data(SessionTableModel::IdRole).toString().toUtf8(), last, 5000);
        QCOMPARE(unsorted, 0);
    }

    void handMadeDelta()
    {
        SessionTableModel model(SessionSettings {});
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        IndexDelta d;
        d.polledAtMs = 1764200000000;
        d.upserts.append({"a", 1, sessionFields(QStringLiteral("a"), 10, 1)});
        d.upserts.append({"b", 1, sessionFields(QStringLiteral("b"), 10, 1)});
        d.upserts.append({"c", 1, sessionFields(QStringLiteral("c"), 10, 1)});
        SessionFeed::applyDelta(model, d);
        QCOMPARE(model.rowCount(), 3);
        IndexDelta next;
        next.vanished.append({"a", 1, {}});
        next.removed.append("b");
        next.upserts.append({"c", 2, {}}); // expired between ZRANGE and HGETALL
        SessionFeed::applyDelta(model, next);
        QCOMPARE(model.rowCount(), 0);
    }

    // Issue 17, past every cap: a session hash with a 65 MiB `model` (over the 64 MiB
    // reply cap) is one bad row saying so; the SORT_RO batch it was in falls back to
    // HGETALL so the other sessions are good rows; the sessions and the processes polled
    // on the same command connection keep updating, and that connection is never rebuilt.
    void aFieldPastTheReplyCapIsOneBadRow()
    {
        RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.error()));
        RedisClient client(optionsFor(server));
        QSignalSpy ready(&client, &RedisClient::ready);
        client.open();
        QVERIFY(ready.wait(5000));
        const Keys keys(QByteArrayLiteral("t:"));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < 5; ++i)
            writeSession(client, keys,
                         sessionRecord(QStringLiteral("s%1").arg(i), 1000 * i, now - 1000 + i));
        writeSession(client, keys, sessionRecord(QStringLiteral("huge"), 500, now));
        const QString fill = QStringLiteral(
            "redis.call('HSET', KEYS[1], ARGV[1], string.rep('m', 65 * 1024 * 1024)) return 1");
        QCOMPARE(server
                     .cli({QStringLiteral("EVAL"), fill, QStringLiteral("1"),
                           QString::fromUtf8(keys.session(QStringLiteral("huge"))),
                           QStringLiteral("model")})
                     .trimmed(),
                 QByteArray("1"));
        // Processes on the same connection: two good ones, one with a 65 MiB field.
        const auto writeProc = [&](int pmId, qint64 at, ProcessStatus status) {
            ProcessRecord r;
            r.host = QStringLiteral("h1");
            r.app = QStringLiteral("api");
            r.pmId = pmId;
            r.status = status;
            r.heartbeatAt = at;
            QList<QByteArray> hset {"HSET", keys.proc(r.host, r.app, pmId)};
            hset += r.toFields().toFlatList();
            QVERIFY(runCommand(client, hset));
            QVERIFY(runCommand(client,
                               {"ZADD", keys.procs(), QByteArray::number(at),
                                Keys::procMember(r.host, r.app, pmId)}));
        };
        for (int pm = 0; pm < 3; ++pm)
            writeProc(pm, now, ProcessStatus::Online);
        QCOMPARE(
            server
                .cli({QStringLiteral("EVAL"), fill, QStringLiteral("1"),
                      QString::fromUtf8(keys.proc(QStringLiteral("h1"), QStringLiteral("api"), 2)),
                      QStringLiteral("version")})
                .trimmed(),
            QByteArray("1"));

        SessionTableModel model(SessionSettings {});
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        SessionFeed feed(&client, SessionFeed::options(keys, 200), &model);
        IndexDeltaPoller::Options procOptions = procsPollerOptions(keys);
        procOptions.intervalMs = 200;
        procOptions.fieldsRefreshMs = 0; // every move re-read
        IndexDeltaPoller procs(&client, procOptions);
        QHash<QByteArray, IndexRecord> procSeen;
        connect(&procs, &IndexDeltaPoller::delta, this, [&procSeen](const IndexDelta &d) {
            for (const IndexRecord &r : d.upserts)
                procSeen.insert(r.member, r);
        });
        feed.start();
        procs.start();
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 6, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(procSeen.size(), 3, 20000);
        QCOMPARE(model.badCount(), 1);
        QVERIFY(
            model.data(model.index(model.rowOf("huge"), 0), SessionTableModel::BadRole).toBool());
        const QString reason
            = model.data(model.index(model.rowOf("huge"), 0), Qt::ToolTipRole).toString();
        QVERIFY2(reason.contains(QStringLiteral("field model: over the 64 MiB reply cap: a "
                                                "68157440-byte string, not read")),
                 qPrintable(reason));
        QVERIFY(feed.poller()->bulkRefusal().isEmpty()); // SORT_RO is still used
        const IndexRecord badProc
            = procSeen.value(Keys::procMember(QStringLiteral("h1"), QStringLiteral("api"), 2));
        QVERIFY2(badProc.error.startsWith(QStringLiteral("field version: over the 64 MiB")),
                 qPrintable(badProc.error));
        QVERIFY(badProc.fields.isEmpty());
        QVERIFY(procSeen.value(Keys::procMember(QStringLiteral("h1"), QStringLiteral("api"), 0))
                    .error.isEmpty());

        // Both keep updating on the same connection.
        writeSession(client, keys, sessionRecord(QStringLiteral("s1"), 95000, now + 5000));
        QTRY_COMPARE_WITH_TIMEOUT(
            model.data(model.index(model.rowOf("s1"), SessionTableModel::Fill)).toString(),
            QStringLiteral("95 %"), 10000);
        writeProc(1, now + 5000, ProcessStatus::Errored);
        QTRY_VERIFY_WITH_TIMEOUT(
            procSeen.value(Keys::procMember(QStringLiteral("h1"), QStringLiteral("api"), 1))
                .fields.contains("errored"),
            10000);
        QCOMPARE(model.badCount(), 1);
        QCOMPARE(client.connection()->connectAttempts(), 1);
        QCOMPARE(client.state(), RedisConnection::State::Ready);
    }
};

QTEST_GUILESS_MAIN(TestSessionFeed)
#include "tst_sessionfeed.moc"
