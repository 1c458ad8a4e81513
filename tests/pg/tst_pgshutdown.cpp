// Shutting Postgres access down must not wait for a server that does not answer: an
// operator closing the console (or re-entering a password, which rebuilds the pool)
// while the database host is frozen must get the window back at once. The fixture's
// server is SIGSTOPped mid-query, which is exactly that: TCP accepted, nothing answered.
#include "core/pg/PgListener.h"
#include "core/pg/PgPool.h"
#include "support/PostgresServer.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>

#include <pqxx/pqxx>

using namespace switchboard;
using namespace switchboard::test;

class TestPgShutdown : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
        QVERIFY2(m_pg.createDatabase(QStringLiteral("shutdown"), false), qPrintable(m_pg.error()));
    }

    void cleanup() { m_pg.resume(); }

    void destroyingThePoolDuringAQueryOnAFrozenServerReturnsQuickly()
    {
        auto pool = std::make_unique<PgPool>(PgConfig(m_pg.dsn(QStringLiteral("shutdown"))), 2);
        bool delivered = false;
        pool->submit(
            PgJobSpec {}, this,
            [](pqxx::transaction_base &tx) {
                tx.exec("SELECT pg_sleep(4)");
                return 0;
            },
            [&delivered](const PgResult<int> &) { delivered = true; });
        QTRY_COMPARE_WITH_TIMEOUT(pool->runningJobs(), 1, 10000);
        QTest::qWait(200); // the query is on the server now
        QVERIFY2(m_pg.pause(), qPrintable(m_pg.error()));

        QElapsedTimer timer;
        timer.start();
        pool.reset();
        const qint64 elapsed = timer.elapsed();
        QVERIFY2(elapsed < 2000, qPrintable(QStringLiteral("took %1 ms").arg(elapsed)));

        // The abandoned worker finishes once the server thaws, and must neither crash
        // nor deliver into the gone pool.
        m_pg.resume();
        QTest::qWait(1500);
        QVERIFY(!delivered);
    }

    void destroyingThePoolWhileConnectingToAFrozenServerReturnsQuickly()
    {
        QVERIFY2(m_pg.pause(), qPrintable(m_pg.error()));
        PgConfig config(m_pg.dsn(QStringLiteral("shutdown")));
        config.connectTimeoutSec = 30;
        auto pool = std::make_unique<PgPool>(config, 1);
        pool->submit(
            PgJobSpec {}, this,
            [](pqxx::transaction_base &tx) { return tx.exec1("SELECT 1")[0].as<int>(); },
            [](const PgResult<int> &) {});
        QTRY_COMPARE_WITH_TIMEOUT(pool->runningJobs(), 1, 5000);
        QTest::qWait(200);

        QElapsedTimer timer;
        timer.start();
        pool.reset();
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    }

    void aFreshPoolWorksAfterAnAbandonedOne()
    {
        // The password-retry path: the old pool goes, a new one comes, the server is fine.
        PgPool pool(PgConfig(m_pg.dsn(QStringLiteral("shutdown"))), 2);
        int value = 0;
        pool.submit(
            PgJobSpec {}, this,
            [](pqxx::transaction_base &tx) { return tx.exec1("SELECT 42")[0].as<int>(); },
            [&value](const PgResult<int> &r) { value = r.ok() ? r.value : -1; });
        QTRY_COMPARE_WITH_TIMEOUT(value, 42, 10000);
    }

    void stoppingAListenerThatIsConnectingToAFrozenServerReturnsQuickly()
    {
        QVERIFY2(m_pg.pause(), qPrintable(m_pg.error()));
        PgConfig config(m_pg.dsn(QStringLiteral("shutdown")));
        config.connectTimeoutSec = 30;
        auto listener = std::make_unique<PgListener>(config, QStringList {QStringLiteral("ch")});
        listener->start();
        QTest::qWait(500); // inside the connect now

        QElapsedTimer timer;
        timer.start();
        listener.reset();
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    }

    void connectionStringsNoticeADeadPeer()
    {
        // A host that vanished (no RST) is found by TCP keepalives and tcp_user_timeout
        // rather than after the kernel's two-hour default.
        const std::string dsn = PgConfig(QStringLiteral("host=h dbname=d"))
                                    .connectionString(PgTarget::Primary, nullptr);
        QVERIFY(dsn.find("keepalives='1'") != std::string::npos);
        QVERIFY(dsn.find("keepalives_idle=") != std::string::npos);
        QVERIFY(dsn.find("tcp_user_timeout=") != std::string::npos);
        const std::string own = PgConfig(QStringLiteral("host=h keepalives_idle=99"))
                                    .connectionString(PgTarget::Primary, nullptr);
        QVERIFY(own.find("keepalives_idle='99'") != std::string::npos);
        QCOMPARE(own.find("keepalives_idle='10'"), std::string::npos);
    }

private:
    PostgresServer m_pg;
};

QTEST_GUILESS_MAIN(TestPgShutdown)
#include "tst_pgshutdown.moc"
