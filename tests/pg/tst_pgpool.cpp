// PgPool and JobTracker against a real PostgreSQL: values on the GUI thread, read-only
// transactions with statement_timeout, cancellation on the server, superseded and
// orphaned results dropped, clear connection errors, and a GUI thread that never stalls.
#include "PgTestUtil.h"
#include "core/pg/JobTracker.h"
#include "core/pg/PgPool.h"
#include "support/Ports.h"
#include "support/PostgresServer.h"
#include "support/Timing.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

#include <pqxx/pqxx>

using namespace switchboard;
using namespace switchboard::test;

namespace {
PgJobSpec readSpec(int timeoutMs = 0)
{
    PgJobSpec spec;
    spec.timeoutMs = timeoutMs;
    return spec;
}

auto scalar(const char *sql)
{
    return [sql = std::string(sql)](pqxx::transaction_base &tx) {
        return QString::fromStdString(tx.exec1(sql)[0].as<std::string>());
    };
}
} // namespace

class TestPgPool : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
        QVERIFY2(m_pg.createDatabase(QStringLiteral("pool"), false), qPrintable(m_pg.error()));
        QVERIFY2(m_pg.createDatabase(QStringLiteral("pool_replica"), false),
                 qPrintable(m_pg.error()));
        QVERIFY2(m_pg.createLogin(QStringLiteral("viewer"), QStringLiteral("s3cret")),
                 qPrintable(m_pg.error()));
    }

    void resultsComeBackAsValuesOnGuiThread()
    {
        PgPool pool(PgConfig(m_pg.dsn(QStringLiteral("pool"))));
        auto caught = std::make_shared<Caught<QList<int>>>();
        pool.submit(
            readSpec(), this,
            [](pqxx::transaction_base &tx) {
                QList<int> values;
                for (const auto &row : tx.exec("SELECT generate_series(1, 1000)"))
                    values << row[0].as<int>();
                return values;
            },
            catcher(caught));
        QVERIFY(!caught->called); // never synchronous
        QTRY_VERIFY_WITH_TIMEOUT(caught->called, 10000);
        QVERIFY2(caught->result.ok(), qPrintable(caught->result.status.message));
        QVERIFY(caught->onGuiThread);
        QCOMPARE(caught->result.value.size(), 1000);
        QCOMPARE(caught->result.value.last(), 1000);
    }

    void readsAreReadOnlyWithTimeoutAndApplicationName()
    {
        PgConfig config(m_pg.dsn(QStringLiteral("pool")));
        config.statementTimeoutMs = 4321;
        PgPool pool(config);
        auto caught = std::make_shared<Caught<QString>>();
        pool.submit(readSpec(), this,
                    scalar("SELECT current_setting('transaction_read_only') || ' ' || "
                           "current_setting('statement_timeout') || ' ' || "
                           "current_setting('application_name')"),
                    catcher(caught));
        QTRY_VERIFY_WITH_TIMEOUT(caught->called, 10000);
        QVERIFY2(caught->result.ok(), qPrintable(caught->result.status.message));
        QCOMPARE(caught->result.value, QStringLiteral("on 4321ms switchboard"));

        // A write inside a read job is refused by the server, and says so.
        auto refused = std::make_shared<Caught<QString>>();
        pool.submit(readSpec(), this, scalar("CREATE TABLE nope AS SELECT 1 AS x RETURNING 1"),
                    catcher(refused));
        QTRY_VERIFY_WITH_TIMEOUT(refused->called, 10000);
        QCOMPARE(refused->result.status.code, PgStatus::QueryFailed);
        QVERIFY(!refused->result.status.message.isEmpty());
    }

    void writesRunReadWriteOnThePrimary()
    {
        PgPool pool(
            PgConfig(m_pg.dsn(QStringLiteral("pool")), m_pg.dsn(QStringLiteral("pool_replica"))));
        PgJobSpec write;
        write.readOnly = false;
        write.target = PgTarget::Replica; // ignored for writes
        auto wrote = std::make_shared<Caught<QString>>();
        pool.submit(
            write, this,
            [](pqxx::transaction_base &tx) {
                tx.exec("CREATE TABLE IF NOT EXISTS notes (body text)");
                tx.exec("INSERT INTO notes VALUES ('hello')");
                return QString::fromStdString(
                    tx.exec1("SELECT current_database()")[0].as<std::string>());
            },
            catcher(wrote));
        QTRY_VERIFY_WITH_TIMEOUT(wrote->called, 10000);
        QVERIFY2(wrote->result.ok(), qPrintable(wrote->result.status.message));
        QCOMPARE(wrote->result.value, QStringLiteral("pool"));
        QCOMPARE(m_pg.psql(QStringLiteral("pool"), QStringLiteral("SELECT body FROM notes")),
                 QByteArray("hello\n"));

        // History reads go to the replica.
        PgJobSpec history = readSpec();
        history.target = PgTarget::Replica;
        auto replica = std::make_shared<Caught<QString>>();
        pool.submit(history, this, scalar("SELECT current_database()"), catcher(replica));
        QTRY_VERIFY_WITH_TIMEOUT(replica->called, 10000);
        QCOMPARE(replica->result.value, QStringLiteral("pool_replica"));
    }

    void statementTimeoutIsAClearError()
    {
        PgPool pool(PgConfig(m_pg.dsn(QStringLiteral("pool"))));
        auto caught = std::make_shared<Caught<QString>>();
        QElapsedTimer timer;
        timer.start();
        pool.submit(readSpec(300), this, scalar("SELECT pg_sleep(5)::text"), catcher(caught));
        QTRY_VERIFY_WITH_TIMEOUT(caught->called, 10000);
        QCOMPARE(caught->result.status.code, PgStatus::TimedOut);
        QCOMPARE(caught->result.status.message,
                 QStringLiteral("query cancelled after 300 ms statement_timeout"));
        QCOMPARE(caught->result.status.sqlState, QStringLiteral("57014"));
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    }

    void cancelStopsARunningQueryOnTheServer()
    {
        PgPool pool(PgConfig(m_pg.dsn(QStringLiteral("pool"))));
        auto caught = std::make_shared<Caught<QString>>();
        const quint64 id = pool.submit(readSpec(20000), this, scalar("SELECT pg_sleep(10)::text"),
                                       catcher(caught));
        // Wait until the server is really executing it.
        QTRY_COMPARE_WITH_TIMEOUT(activeSleeps(), QByteArray("1\n"), 10000);
        QElapsedTimer timer;
        timer.start();
        pool.cancel(id);
        const qint64 cancelReturnedMs = timer.elapsed();
        QTRY_VERIFY_WITH_TIMEOUT(caught->called, 5000);
        const qint64 outcomeMs = timer.elapsed();
        qInfo("cancel() returned in %lld ms; cancelled outcome after %lld ms", cancelReturnedMs,
              outcomeMs);
        QVERIFY(cancelReturnedMs < 20);
        QCOMPARE(caught->result.status.code, PgStatus::Cancelled);
        QVERIFY(outcomeMs < 2000);
        QCOMPARE(activeSleeps(), QByteArray("0\n"));
        QCOMPARE(caught->calls, 1);
    }

    void cancelRemovesAQueuedJob()
    {
        PgPool pool(PgConfig(m_pg.dsn(QStringLiteral("pool"))), 1);
        auto first = std::make_shared<Caught<QString>>();
        auto second = std::make_shared<Caught<QString>>();
        auto ran = std::make_shared<std::atomic<bool>>(false);
        pool.submit(readSpec(), this, scalar("SELECT pg_sleep(0.5)::text"), catcher(first));
        const quint64 id = pool.submit(
            readSpec(), this,
            [ran](pqxx::transaction_base &) {
                *ran = true;
                return QString();
            },
            catcher(second));
        pool.cancel(id);
        QTRY_VERIFY_WITH_TIMEOUT(second->called, 5000);
        QCOMPARE(second->result.status.code, PgStatus::Cancelled);
        QTRY_VERIFY_WITH_TIMEOUT(first->called, 5000);
        QVERIFY(first->result.ok());
        QVERIFY(!*ran);
    }

    void supersededResultIsDropped()
    {
        PgPool pool(PgConfig(m_pg.dsn(QStringLiteral("pool"))));
        QObject view;
        JobTracker tracker(&pool, &view);
        QStringList seen;
        const auto record = [&seen](PgResult<QString> r) {
            seen << (r.ok() ? r.value : r.status.message);
        };

        // The old result is already on its way back (posted, not yet delivered) when the
        // view asks again: it must be dropped, not shown.
        tracker.start(readSpec(), scalar("SELECT 'old'"), record);
        finishWithoutDelivering(pool); // the old result now waits in the event queue
        tracker.start(readSpec(), scalar("SELECT 'new'"), record);
        QTRY_COMPARE_WITH_TIMEOUT(seen.size(), 1, 5000);
        QTest::qWait(100);
        QCOMPARE(seen, QStringList {QStringLiteral("new")});

        // A slow old query is cancelled on the server and never reported.
        seen.clear();
        QElapsedTimer timer;
        timer.start();
        tracker.start(readSpec(20000), scalar("SELECT pg_sleep(10)::text"), record);
        QTRY_COMPARE_WITH_TIMEOUT(activeSleeps(), QByteArray("1\n"), 10000);
        tracker.start(readSpec(), scalar("SELECT 'newer'"), record);
        QTRY_COMPARE_WITH_TIMEOUT(seen.size(), 1, 5000);
        QCOMPARE(seen, QStringList {QStringLiteral("newer")});
        QTRY_COMPARE_WITH_TIMEOUT(activeSleeps(), QByteArray("0\n"), 3000);
        QVERIFY(timer.elapsed() < 5000);
        QTest::qWait(100);
        QCOMPARE(seen.size(), 1);
    }

    void destroyedContextGetsNoCallback()
    {
        PgPool pool(PgConfig(m_pg.dsn(QStringLiteral("pool"))));
        auto running = std::make_shared<Caught<QString>>();
        auto finished = std::make_shared<Caught<QString>>();
        {
            auto *context = new QObject;
            pool.submit(readSpec(20000), context, scalar("SELECT pg_sleep(10)::text"),
                        catcher(running));
            QTRY_COMPARE_WITH_TIMEOUT(activeSleeps(), QByteArray("1\n"), 10000);
            delete context; // its running query is cancelled on the server
        }
        QTRY_COMPARE_WITH_TIMEOUT(activeSleeps(), QByteArray("0\n"), 3000);
        {
            auto *context = new QObject;
            pool.submit(readSpec(), context, scalar("SELECT 'done'"), catcher(finished));
            finishWithoutDelivering(pool); // the result is posted but not yet delivered
            delete context;
        }
        QTest::qWait(300);
        QVERIFY(!running->called);
        QVERIFY(!finished->called);
    }

    void wrongPasswordIsAClearMessage()
    {
        PgPool pool(PgConfig(m_pg.loginDsn(QStringLiteral("viewer"), QStringLiteral("wrong"),
                                           QStringLiteral("pool"))));
        QSignalSpy states(&pool, &PgPool::stateChanged);
        auto caught = std::make_shared<Caught<QString>>();
        pool.submit(readSpec(), this, scalar("SELECT 1"), catcher(caught));
        QTRY_VERIFY_WITH_TIMEOUT(caught->called, 10000);
        const QString message = caught->result.status.message;
        qInfo("wrong password: %s", qPrintable(message));
        QCOMPARE(caught->result.status.code, PgStatus::ConnectionFailed);
        QVERIFY2(
            message.contains(QStringLiteral("password authentication failed for user \"viewer\"")),
            qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("refused the login")), qPrintable(message));
        QTRY_COMPARE(pool.state().kind, PgConnectionState::Failed);
        QCOMPARE(pool.state().reason, message);
        QVERIFY(!states.isEmpty());

        PgPool good(PgConfig(m_pg.loginDsn(QStringLiteral("viewer"), QStringLiteral("s3cret"),
                                           QStringLiteral("pool"))));
        auto ok = std::make_shared<Caught<QString>>();
        good.submit(readSpec(), this, scalar("SELECT current_user"), catcher(ok));
        QTRY_VERIFY_WITH_TIMEOUT(ok->called, 10000);
        QCOMPARE(ok->result.value, QStringLiteral("viewer"));
        QTRY_COMPARE(good.state().kind, PgConnectionState::Ready);
    }

    void connectionRefusedIsAClearMessage()
    {
        const int port = freeLoopbackPort();
        PgPool pool(PgConfig(QStringLiteral("postgresql://postgres@127.0.0.1:%1/pool").arg(port)));
        auto caught = std::make_shared<Caught<QString>>();
        pool.submit(readSpec(), this, scalar("SELECT 1"), catcher(caught));
        QTRY_VERIFY_WITH_TIMEOUT(caught->called, 10000);
        qInfo("refused: %s", qPrintable(caught->result.status.message));
        QCOMPARE(caught->result.status.code, PgStatus::ConnectionFailed);
        QCOMPARE(caught->result.status.message,
                 QStringLiteral("connection refused by Postgres 127.0.0.1:%1/pool: is the server "
                                "running and listening there?")
                     .arg(port));
    }

    void reconnectsAfterTheServerDropsTheConnection()
    {
        PgPool pool(PgConfig(m_pg.dsn(QStringLiteral("pool"))), 1);
        auto first = std::make_shared<Caught<QString>>();
        pool.submit(readSpec(), this, scalar("SELECT pg_backend_pid()::text"), catcher(first));
        QTRY_VERIFY_WITH_TIMEOUT(first->called, 10000);
        QVERIFY(first->result.ok());
        bool ok = false;
        m_pg.psql(QStringLiteral("postgres"),
                  QStringLiteral("SELECT pg_terminate_backend(%1)").arg(first->result.value), &ok);
        QVERIFY(ok);
        QTest::qWait(200);
        auto second = std::make_shared<Caught<QString>>();
        pool.submit(readSpec(), this, scalar("SELECT pg_backend_pid()::text"), catcher(second));
        QTRY_VERIFY_WITH_TIMEOUT(second->called, 10000);
        QVERIFY2(second->result.ok(), qPrintable(second->result.status.message));
        QVERIFY(second->result.value != first->result.value);
    }

    void guiThreadNeverStallsWhileAQueryRuns()
    {
        PgPool pool(PgConfig(m_pg.dsn(QStringLiteral("pool"))));
        auto caught = std::make_shared<Caught<QString>>();
        QElapsedTimer sinceTick;
        qint64 longestGap = 0;
        int ticks = 0;
        QTimer timer;
        timer.setInterval(5);
        connect(&timer, &QTimer::timeout, this, [&] {
            if (sinceTick.isValid())
                longestGap = qMax(longestGap, sinceTick.elapsed());
            sinceTick.restart();
            ++ticks;
        });
        timer.start();
        QElapsedTimer total;
        total.start();
        pool.submit(readSpec(10000), this, scalar("SELECT pg_sleep(3)::text"), catcher(caught));
        QTRY_VERIFY_WITH_TIMEOUT(caught->called, 10000);
        timer.stop();
        qInfo("pg_sleep(3) via the pool: %lld ms, %d ticks of 5 ms, longest event-loop gap %lld ms",
              total.elapsed(), ticks, longestGap);
        QVERIFY2(caught->result.ok(), qPrintable(caught->result.status.message));
        QVERIFY(total.elapsed() >= 3000);
        QVERIFY(ticks > 100);
        QVERIFY2(longestGap < switchboard::test::maxStallMs(),
                 qPrintable(QString::number(longestGap)));
    }

private:
    // Waits for the pool to finish its jobs WITHOUT running the event loop, so their
    // results are posted but not yet delivered.
    static void finishWithoutDelivering(const PgPool &pool)
    {
        QElapsedTimer timer;
        timer.start();
        while (pool.runningJobs() + pool.queuedJobs() > 0 && timer.elapsed() < 5000)
            QThread::msleep(5);
        QVERIFY(pool.runningJobs() + pool.queuedJobs() == 0);
        QThread::msleep(50); // the worker posts its result right after leaving m_running
    }

    QByteArray activeSleeps() const
    {
        return m_pg.psql(
            QStringLiteral("postgres"),
            QStringLiteral(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                "AND query LIKE 'SELECT pg_sleep(10)%' AND application_name = 'switchboard'"));
    }

    PostgresServer m_pg;
};

QTEST_GUILESS_MAIN(TestPgPool)
#include "tst_pgpool.moc"
