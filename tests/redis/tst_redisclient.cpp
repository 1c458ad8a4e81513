// The command connection against a real redis-server: pipelining, cancellation,
// timeouts on a SIGSTOPped server, fake servers speaking garbage, the reply cap and the
// element budget (a reply over one fails that request alone: the connection stays, the
// next command on it succeeds), and the event loop staying free while the server is gone.
#include "RedisTestUtil.h"
#include "support/Timing.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

using namespace switchboard;
using namespace switchboard::test;

class TestRedisClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_server.start(), qPrintable(m_server.error())); }

    void pipelinedRepliesMatchInOrder()
    {
        RedisClient client(optionsFor(m_server));
        client.open();
        QVERIFY(runCommand(client, {"DEL", "counter"}));
        const int n = 2000;
        QList<qint64> seen;
        QObject context;
        for (int i = 0; i < n; ++i) {
            // INCR answers 1..n; each callback checks it got its own command's reply.
            client.command({"INCR", "counter"}, &context, [&seen, i](const RedisReply &r) {
                seen.append(r.isInteger() && r.integer() == i + 1 ? r.integer() : -1);
            });
        }
        QCOMPARE(client.connection()->pendingCount(), n);
        QTRY_COMPARE_WITH_TIMEOUT(seen.size(), n, 10000);
        for (int i = 0; i < n; ++i)
            QCOMPARE(seen.at(i), qint64(i + 1));

        QList<RedisReply> replies;
        client.pipeline({{"SET", "k", "v"}, {"GET", "k"}, {"LPUSH", "k", "x"}, {"GET", "missing"}},
                        &context, [&replies](const QList<RedisReply> &r) { replies = r; });
        QTRY_COMPARE(replies.size(), 4);
        QVERIFY(replies.at(0).isStatus());
        QCOMPARE(replies.at(1).data(), QByteArray("v"));
        QVERIFY(replies.at(2).isError());
        QVERIFY(!replies.at(2).isLocalError());
        QVERIFY2(replies.at(2).errorMessage().startsWith(QStringLiteral("WRONGTYPE")),
                 qPrintable(replies.at(2).errorMessage()));
        QVERIFY(replies.at(3).isNil());
        // The console must be recognisable in CLIENT LIST.
        const auto list = runCommand(client, {"CLIENT", "LIST"});
        QVERIFY(list && list->data().contains("name=switchboard"));
    }

    // Replies that arrive together are handed out for ~2 ms per event-loop pass, the rest
    // after a queued call: slow callbacks (2 ms each here) for 30 replies of one read no
    // longer hold the loop for 60 ms. A zero timer re-armed every pass must get a turn
    // while they are delivered, and the replies still come in order.
    void repliesOfOneReadAreDeliveredOverSeveralPasses()
    {
        RedisClient client(optionsFor(m_server));
        client.open();
        QVERIFY(runCommand(client, {"DEL", "slow"}));
        const int n = 30;
        QList<qint64> seen;
        QList<int> ticksAt;
        int ticks = 0;
        bool ticking = true;
        std::function<void()> tick = [&] {
            ++ticks;
            if (ticking)
                QTimer::singleShot(0, &client, tick);
        };
        QObject context;
        for (int i = 0; i < n; ++i) {
            client.command({"INCR", "slow"}, &context, [&, i](const RedisReply &r) {
                seen.append(r.isInteger() && r.integer() == i + 1 ? r.integer() : -1);
                ticksAt.append(ticks);
                QElapsedTimer busy;
                busy.start();
                while (busy.nsecsElapsed() < 2000000) { }
            });
        }
        QTimer::singleShot(0, &client, tick);
        QTRY_COMPARE_WITH_TIMEOUT(seen.size(), n, 10000);
        ticking = false;
        for (int i = 0; i < n; ++i)
            QCOMPARE(seen.at(i), qint64(i + 1));
        // 60 ms of callbacks at <= ~2 ms per pass: the timer ran in between many times.
        QVERIFY2(ticksAt.last() - ticksAt.first() >= 5,
                 qPrintable(QStringLiteral("timer passes during delivery: %1")
                                .arg(ticksAt.last() - ticksAt.first())));
    }

    // The server answers a long pipeline and then closes (QUIT). Replies are handed out
    // in budgets, so when the close is seen up to a buffer's worth of them is still
    // undelivered: each must reach its caller as the server's answer, none as an error
    // (an answered XADD of a control command must not be reported failed).
    void repliesSentBeforeTheServerClosedAreDelivered()
    {
        RedisClient client(optionsFor(m_server));
        client.open();
        const QByteArray value(4096, 'v');
        QVERIFY(runCommand(client, {"SET", "big", value}));
        const int n = 5000;
        int good = 0, bad = 0;
        bool quitOk = false;
        QString firstError;
        QObject context;
        for (int i = 0; i < n; ++i) {
            client.command({"GET", "big"}, &context, [&](const RedisReply &r) {
                if (r.isString() && r.data() == value) {
                    ++good;
                } else {
                    ++bad;
                    if (firstError.isEmpty())
                        firstError = r.toDebugText();
                }
                QElapsedTimer busy; // a slow consumer: deliveries span many passes
                busy.start();
                while (busy.nsecsElapsed() < 20000) { }
            });
        }
        client.command({"QUIT"}, &context,
                       [&](const RedisReply &r) { quitOk = r.isStatus() && r.data() == "OK"; });
        QTRY_COMPARE_WITH_TIMEOUT(good + bad, n, 20000);
        QVERIFY2(bad == 0,
                 qPrintable(QStringLiteral("%1 of %2 answered commands failed: %3")
                                .arg(bad)
                                .arg(n)
                                .arg(firstError)));
        QTRY_VERIFY(quitOk);
    }

    void destroyedContextNeverGetsItsCallback()
    {
        RedisClient client(optionsFor(m_server));
        client.open();
        QVERIFY(runCommand(client, {"PING"}));
        bool called = false;
        auto *context = new QObject;
        client.command({"SET", "cancelled", "1"}, context,
                       [&called](const RedisReply &) { called = true; });
        delete context;
        // Replies are FIFO: once this PING is answered, the SET's reply has been read.
        const auto pong = runCommand(client, {"PING"});
        QVERIFY(pong && pong->data() == "PONG");
        QVERIFY(!called);
        QCOMPARE(m_server.cli({QStringLiteral("GET"), QStringLiteral("cancelled")}).trimmed(),
                 QByteArray("1"));
    }

    void stoppedServerTimesOutThenRecovers()
    {
        RedisConnectionOptions o = optionsFor(m_server);
        o.connectTimeoutMs = 500;
        RedisClient client(o);
        client.open();
        QVERIFY(runCommand(client, {"PING"}));
        m_server.pause();
        QElapsedTimer t;
        t.start();
        const auto r = runCommand(client, {"GET", "k"}, 400, 5000);
        m_server.resume();
        QVERIFY2(r, "the command never completed");
        QVERIFY(r->isLocalError());
        QVERIFY2(r->errorMessage().contains(QStringLiteral("timed out after 400 ms")),
                 qPrintable(r->errorMessage()));
        QVERIFY2(t.elapsed() < 1500, qPrintable(QString::number(t.elapsed())));
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), RedisConnection::State::Ready, 10000);
        const auto after = runCommand(client, {"PING"});
        QVERIFY(after && after->data() == "PONG");
    }

    void eventLoopStaysFreeWhileServerIsGone()
    {
        RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.error()));
        RedisConnectionOptions o = optionsFor(server);
        o.connectTimeoutMs = 300;
        o.reconnectMinMs = 20;
        o.reconnectMaxMs = 200;
        RedisClient client(o);
        client.open();
        QVERIFY(runCommand(client, {"PING"}));

        QElapsedTimer clock;
        qint64 last = 0, worst = 0;
        QTimer tick;
        tick.setInterval(5);
        connect(&tick, &QTimer::timeout, this, [&] {
            const qint64 now = clock.elapsed();
            worst = std::max(worst, now - last);
            last = now;
        });
        int failures = 0;
        QObject context;
        QTimer load;
        load.setInterval(10);
        connect(&load, &QTimer::timeout, this, [&] {
            client.command(
                {"PING"}, &context, [&failures](const RedisReply &r) { failures += r.isError(); },
                100);
        });
        // Paused first (connects hang), then gone (connects refused): the client retries.
        // The fixture's own blocking stop() is kept outside the measured windows.
        server.pause();
        clock.start();
        tick.start();
        load.start();
        QTest::qWait(1500);
        tick.stop();
        server.stop();
        last = clock.elapsed();
        tick.start();
        QTest::qWait(1500);
        tick.stop();
        load.stop();
        qInfo("longest event-loop gap with the server paused / gone: %lld ms (%d connect attempts)",
              worst, client.connection()->connectAttempts());
        QVERIFY(failures > 10);
        QVERIFY2(client.connection()->connectAttempts() >= 3, "the client did not retry");
        QVERIFY2(worst < switchboard::test::maxStallMs(),
                 qPrintable(QStringLiteral("longest stall %1 ms").arg(worst)));
        QVERIFY2(client.stateText().startsWith(QStringLiteral("reconnecting in"))
                     || client.state() == RedisConnection::State::Connecting,
                 qPrintable(client.stateText()));
    }

    void shortTimeoutBehindASlowCommandFiresOnTime()
    {
        RedisClient client(optionsFor(m_server));
        client.open();
        QVERIFY(runCommand(client, {"PING"}));
        QObject context;
        std::optional<RedisReply> slow;
        std::optional<RedisReply> quick;
        qint64 quickAfterMs = -1;
        QElapsedTimer timer;
        timer.start();
        // BLPOP on an empty list answers nil after 2 s; PING is pipelined behind it.
        client.command(
            {"BLPOP", "nothing-here", "2"}, &context, [&slow](const RedisReply &r) { slow = r; },
            5000);
        client.command(
            {"PING"}, &context,
            [&](const RedisReply &r) {
                quick = r;
                quickAfterMs = timer.elapsed();
            },
            300);
        QTRY_VERIFY_WITH_TIMEOUT(quick.has_value(), 5000);
        QVERIFY2(quick->isLocalError(), qPrintable(quick->errorMessage()));
        QVERIFY2(quick->errorMessage().contains(QStringLiteral("timed out after 300 ms")),
                 qPrintable(quick->errorMessage()));
        QVERIFY2(quickAfterMs < 1500, qPrintable(QString::number(quickAfterMs)));
        // The slow command is not punished: it gets its own nil, the PONG that follows it
        // is dropped, and the next command gets its own reply.
        QTRY_VERIFY_WITH_TIMEOUT(slow.has_value(), 5000);
        QVERIFY2(slow->isNil(), qPrintable(slow->errorMessage()));
        QCOMPARE(client.state(), RedisConnection::State::Ready);
        const auto echo = runCommand(client, {"ECHO", "mine"});
        QVERIFY(echo);
        QCOMPARE(echo->data(), QByteArray("mine"));
    }

    void garbageFromServerIsAnErrorNotACrash()
    {
        QTcpServer fake;
        QVERIFY(fake.listen(QHostAddress::LocalHost));
        connect(&fake, &QTcpServer::newConnection, this, [&fake] {
            while (QTcpSocket *s = fake.nextPendingConnection())
                s->write("this is not RESP at all\r\n\x01\x02\xff");
        });
        RedisConnectionOptions o;
        o.endpoint = {QStringLiteral("127.0.0.1"), fake.serverPort()};
        o.connectTimeoutMs = 1000;
        RedisClient client(o);
        client.open();
        const auto r = runCommand(client, {"PING"}, 1500, 5000);
        QVERIFY(r);
        QVERIFY(r->isLocalError());
        QTRY_VERIFY(client.connection()->lastError().contains(QStringLiteral("protocol error")));
        QCOMPARE(client.state(), RedisConnection::State::Reconnecting);
    }

    void truncatedReplyThenCloseIsAnError()
    {
        QTcpServer fake;
        QVERIFY(fake.listen(QHostAddress::LocalHost));
        int connections = 0;
        connect(&fake, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket *s = fake.nextPendingConnection()) {
                ++connections;
                connect(s, &QTcpSocket::readyRead, s, [s] {
                    s->readAll();
                    // Handshake answered, then a bulk string cut short and a close.
                    s->write("+OK\r\n$100\r\nabc");
                    s->flush();
                    s->disconnectFromHost();
                });
            }
        });
        RedisConnectionOptions o;
        o.endpoint = {QStringLiteral("127.0.0.1"), fake.serverPort()};
        RedisClient client(o);
        client.open();
        const auto r = runCommand(client, {"GET", "x"}, 3000, 6000);
        QVERIFY(r);
        QVERIFY(r->isLocalError());
        QVERIFY(connections >= 1);
        QTRY_VERIFY(client.connection()->lastError().contains(QStringLiteral("closed")));
    }

    void hugeArrayHeaderIsRefusedBeforeAnyAllocation()
    {
        // A broken or hostile peer announces a billion elements, then nests more such
        // headers: hiredis would calloc gigabytes per header before our byte cap applies.
        // (Under the sanitizers such an allocation aborts the process outright.) Nothing
        // is allocated for them; this peer then nests deeper than hiredis allows (its
        // next answer lands inside), a protocol error.
        QByteArray hostile = "+OK\r\n*1000000000\r\n";
        for (int i = 0; i < 7; ++i)
            hostile += "*1000000000\r\n";
        expectRefused(hostile, 0, QStringLiteral("depth > 7"));
    }

    void manySmallArraysShareOneBudget()
    {
        // Each header is small, together they exceed the budget of one reply: that reply
        // fails, the connection stays and the next reply is read as usual.
        QByteArray hostile = "*3\r\n";
        for (int i = 0; i < 3; ++i) {
            hostile += "*600\r\n";
            for (int e = 0; e < 600; ++e)
                hostile += ":1\r\n";
        }
        QTcpServer fake;
        QVERIFY(fake.listen(QHostAddress::LocalHost));
        int accepted = 0;
        connect(&fake, &QTcpServer::newConnection, this, [&fake, &accepted, hostile] {
            while (QTcpSocket *s = fake.nextPendingConnection()) {
                ++accepted;
                auto reads = std::make_shared<int>(0);
                connect(s, &QTcpSocket::readyRead, s, [s, reads, hostile] {
                    s->readAll();
                    // CLIENT SETNAME, then the hostile reply, then PONG.
                    const int n = (*reads)++;
                    s->write(n == 0 ? QByteArray("+OK\r\n") : n == 1 ? hostile : "+PONG\r\n");
                });
            }
        });
        RedisConnectionOptions o;
        o.endpoint = {QStringLiteral("127.0.0.1"), fake.serverPort()};
        o.maxReplyElements = 1000;
        RedisClient client(o);
        client.open();
        const auto r = runCommand(client, {"GET", "x"}, 3000, 6000);
        QVERIFY(r);
        QVERIFY(r->isOversized());
        QVERIFY(!r->isLocalError());
        QVERIFY2(r->errorMessage().contains(QStringLiteral("more than the 1000")),
                 qPrintable(r->errorMessage()));
        const auto pong = runCommand(client, {"PING"}, 3000, 6000);
        QVERIFY(pong && pong->isStatus());
        QCOMPARE(pong->data(), QByteArray("PONG"));
        QCOMPARE(accepted, 1);
        QCOMPARE(client.connection()->connectAttempts(), 1);
    }

    void largeLegitimateArraysStillArrive()
    {
        // The budget is per reply: 20 000 elements in each of several replies is fine.
        RedisConnectionOptions o = optionsFor(m_server);
        o.maxReplyElements = 50000;
        RedisClient client(o);
        client.open();
        QList<QByteArray> rpush {"RPUSH", "many"};
        for (int i = 0; i < 20000; ++i)
            rpush << QByteArray::number(i);
        QVERIFY(runCommand(client, rpush));
        for (int round = 0; round < 4; ++round) {
            const auto r = runCommand(client, {"LRANGE", "many", "0", "-1"});
            QVERIFY(r);
            QVERIFY2(r->isArray(), qPrintable(r->errorMessage()));
            QCOMPARE(r->elements().size(), 20000);
        }
    }

    void replyOverTheCapFailsThatRequestAlone()
    {
        // 3 MiB against a 1 MiB cap: GET fails saying so, the bytes are skipped, and the
        // same connection (never rebuilt) answers the next commands, also ones pipelined
        // behind the oversized reply.
        RedisConnectionOptions o = optionsFor(m_server);
        o.maxReplyBytes = 1024 * 1024;
        RedisClient client(o);
        client.open();
        QVERIFY(runCommand(client, {"SET", "big", QByteArray(3 * 1024 * 1024, 'x')}));
        const auto r = runCommand(client, {"GET", "big"});
        QVERIFY(r);
        QVERIFY(r->isError() && r->isOversized() && !r->isLocalError());
        QVERIFY2(r->errorMessage().contains(QStringLiteral("over the 1 MiB reply cap")),
                 qPrintable(r->errorMessage()));
        QCOMPARE(r->oversizedBytes(), qint64(3 * 1024 * 1024));
        const auto small = runCommand(client, {"STRLEN", "big"});
        QVERIFY(small && small->integer() == 3 * 1024 * 1024);

        QList<RedisReply> replies;
        QObject context;
        client.pipeline({{"SET", "k", "v"}, {"GET", "big"}, {"GET", "k"}, {"GET", "big"}, {"PING"}},
                        &context, [&replies](const QList<RedisReply> &got) { replies = got; });
        QTRY_COMPARE(replies.size(), 5);
        QVERIFY(replies.at(0).isStatus());
        QVERIFY(replies.at(1).isOversized());
        QCOMPARE(replies.at(2).data(), QByteArray("v"));
        QVERIFY(replies.at(3).isOversized());
        QCOMPARE(replies.at(4).data(), QByteArray("PONG"));
        QCOMPARE(client.connection()->connectAttempts(), 1);
        QCOMPARE(client.state(), RedisConnection::State::Ready);
    }

    void aReplyStillArrivingIsNotTimedOut()
    {
        // A fake server sends a 2 MiB reply in 64 KiB pieces every 100 ms (3.2 s in all)
        // against a 1 s command timeout and a 1 MiB cap: bytes keep coming, so the command
        // is not overdue; it ends as an oversized reply and the connection stays. A server
        // that then goes silent mid-reply still times out.
        QTcpServer fake;
        QVERIFY(fake.listen(QHostAddress::LocalHost));
        const QByteArray big = "$" + QByteArray::number(2 * 1024 * 1024) + "\r\n"
            + QByteArray(2 * 1024 * 1024, 'b') + "\r\n";
        int accepted = 0;
        connect(&fake, &QTcpServer::newConnection, this, [&fake, &accepted, big] {
            while (QTcpSocket *s = fake.nextPendingConnection()) {
                ++accepted;
                auto reads = std::make_shared<int>(0);
                connect(s, &QTcpSocket::readyRead, s, [s, reads, big] {
                    s->readAll();
                    const int n = (*reads)++;
                    if (n == 0) {
                        s->write("+OK\r\n"); // CLIENT SETNAME
                    } else if (n == 1) {
                        auto *timer = new QTimer(s);
                        timer->setObjectName(QStringLiteral("trickle"));
                        auto at = std::make_shared<qsizetype>(0);
                        QObject::connect(timer, &QTimer::timeout, s, [s, timer, at, big] {
                            s->write(big.mid(*at, 64 * 1024));
                            *at += 64 * 1024;
                            if (*at >= big.size()) {
                                timer->stop();
                                if (s->property("pong").toBool()) // asked meanwhile
                                    s->write("+PONG\r\n");
                            }
                        });
                        timer->start(100);
                    } else if (n == 2) {
                        // Like Redis: after the whole big reply, however early the client
                        // gave up on it (it does at the cap, and skips the rest).
                        auto *timer = s->findChild<QTimer *>(QStringLiteral("trickle"));
                        if (timer && timer->isActive())
                            s->setProperty("pong", true);
                        else
                            s->write("+PONG\r\n");
                    } else {
                        s->write("$10\r\nabc"); // then silence
                    }
                });
            }
        });
        RedisConnectionOptions o;
        o.endpoint = {QStringLiteral("127.0.0.1"), fake.serverPort()};
        o.commandTimeoutMs = 1000;
        o.maxReplyBytes = 1024 * 1024;
        RedisClient client(o);
        client.open();
        const auto r = runCommand(client, {"GET", "big"}, -1, 10000);
        QVERIFY(r);
        QVERIFY2(r->isOversized(), qPrintable(r->toDebugText()));
        const auto pong = runCommand(client, {"PING"}, -1, 10000); // behind the skipped bytes
        QVERIFY(pong && pong->data() == "PONG");
        QCOMPARE(client.connection()->connectAttempts(), 1);
        const auto stuck = runCommand(client, {"GET", "x"}, -1, 6000);
        QVERIFY(stuck && stuck->isLocalError());
        QVERIFY2(stuck->errorMessage().contains(QStringLiteral("timed out")),
                 qPrintable(stuck->errorMessage()));
    }

    void replyOverTheElementBudgetFailsThatRequestAlone()
    {
        // A real reply announcing more elements than the budget: that request fails, the
        // next command on the same connection succeeds, also through sendRaw (whose error
        // callback gets it).
        RedisConnectionOptions o = optionsFor(m_server);
        o.maxReplyElements = 1000;
        RedisClient client(o);
        client.open();
        QList<QByteArray> rpush {"RPUSH", "budget"};
        for (int i = 0; i < 2000; ++i)
            rpush << QByteArray::number(i);
        QVERIFY(runCommand(client, {"DEL", "budget"}));
        QVERIFY(runCommand(client, rpush));
        const auto r = runCommand(client, {"LRANGE", "budget", "0", "-1"});
        QVERIFY(r && r->isOversized());
        QVERIFY2(r->errorMessage().contains(QStringLiteral("2000 elements, more than the 1000")),
                 qPrintable(r->errorMessage()));
        const auto fits = runCommand(client, {"LRANGE", "budget", "0", "998"});
        QVERIFY(fits && fits->isArray());
        QCOMPARE(fits->size(), 999);

        std::optional<RedisReply> error;
        bool rawCalled = false;
        QObject context;
        client.connection()->sendRaw(
            {"LRANGE", "budget", "0", "-1"}, &context,
            [&rawCalled](const redisReply *) { rawCalled = true; },
            [&error](const RedisReply &e) { error = e; });
        QTRY_VERIFY(error.has_value());
        QVERIFY(!rawCalled);
        QVERIFY(error->isOversized());
        const auto pong = runCommand(client, {"PING"});
        QVERIFY(pong && pong->data() == "PONG");
        QCOMPARE(client.connection()->connectAttempts(), 1);
    }

private:
    // A peer that answers any command with `reply`; the client (with an element budget
    // when maxElements > 0) must fail the command with a message containing `expected`.
    void expectRefused(const QByteArray &reply, qint64 maxElements, const QString &expected)
    {
        QTcpServer fake;
        QVERIFY(fake.listen(QHostAddress::LocalHost));
        connect(&fake, &QTcpServer::newConnection, this, [&fake, reply] {
            while (QTcpSocket *s = fake.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [s, reply] {
                    s->readAll();
                    s->write(reply);
                });
            }
        });
        RedisConnectionOptions o;
        o.endpoint = {QStringLiteral("127.0.0.1"), fake.serverPort()};
        if (maxElements > 0)
            o.maxReplyElements = maxElements;
        RedisClient client(o);
        client.open();
        const auto r = runCommand(client, {"GET", "x"}, 3000, 6000);
        QVERIFY(r);
        QVERIFY(r->isLocalError());
        QVERIFY2(r->errorMessage().contains(expected), qPrintable(r->errorMessage()));
    }

    RedisServer m_server;
};

QTEST_GUILESS_MAIN(TestRedisClient)
#include "tst_redisclient.moc"
