// The console's view of Postgres against a real server: ready with the current schema,
// degraded (and not usable) with a missing or newer one, reconnecting by itself while
// the server is down, failed without retrying on a wrong password.
#include "core/pg/Migrator.h"
#include "core/services/PostgresBackend.h"
#include "support/PostgresServer.h"

#include <QSignalSpy>
#include <QTest>

using namespace switchboard;
using namespace switchboard::test;

class TestPostgresBackend : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void readyWithCurrentSchema();
    void degradedWithoutSchema();
    void degradedWithNewerSchema();
    void wrongPasswordFailsWithoutRetry();
    void reconnectsAfterOutage();

private:
    static bool waitForState(PostgresBackend &b, BackendStatus::State state, int ms = 15000)
    {
        return QTest::qWaitFor([&] { return b.status().state == state; }, ms);
    }
    PostgresServer m_pg;
};

void TestPostgresBackend::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createDatabase(QStringLiteral("current"), true), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createDatabase(QStringLiteral("empty"), false), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createDatabase(QStringLiteral("newer"), true), qPrintable(m_pg.error()));
    const int latest = Migrator(Migrator::embeddedMigrations()).latestVersion();
    bool ok = false;
    m_pg.psql(QStringLiteral("newer"),
              QStringLiteral("insert into agentops.schema_version(version, name, checksum) "
                             "values (%1, 'future', 'x')")
                  .arg(latest + 1),
              &ok);
    QVERIFY(ok);
}

void TestPostgresBackend::readyWithCurrentSchema()
{
    PostgresBackend backend(PgConfig(m_pg.dsn(QStringLiteral("current"))));
    backend.start();
    QCOMPARE(backend.status().state, BackendStatus::State::Connecting);
    QVERIFY2(waitForState(backend, BackendStatus::State::Ready),
             qPrintable(backend.status().summary));
    QVERIFY(backend.schemaUsable());
    QVERIFY(backend.serverVersion().startsWith(QStringLiteral("15")));
    QVERIFY(backend.status().detail.contains(QStringLiteral("round trip")));
}

void TestPostgresBackend::degradedWithoutSchema()
{
    PostgresBackend backend(PgConfig(m_pg.dsn(QStringLiteral("empty"))));
    backend.start();
    QVERIFY(waitForState(backend, BackendStatus::State::Degraded));
    QVERIFY(!backend.schemaUsable());
    QVERIFY2(backend.status().summary.contains(QStringLiteral("db migrate")),
             qPrintable(backend.status().summary));
}

void TestPostgresBackend::degradedWithNewerSchema()
{
    PostgresBackend backend(PgConfig(m_pg.dsn(QStringLiteral("newer"))));
    backend.start();
    QVERIFY(waitForState(backend, BackendStatus::State::Degraded));
    QVERIFY(!backend.schemaUsable());
    QVERIFY2(backend.status().summary.contains(QStringLiteral("upgrade Switchboard")),
             qPrintable(backend.status().summary));
}

void TestPostgresBackend::wrongPasswordFailsWithoutRetry()
{
    QVERIFY2(m_pg.createLogin(QStringLiteral("viewer1"), QStringLiteral("right")),
             qPrintable(m_pg.error()));
    PostgresBackend backend(PgConfig(m_pg.loginDsn(
        QStringLiteral("viewer1"), QStringLiteral("wrong"), QStringLiteral("current"))));
    QSignalSpy spy(&backend, &PostgresBackend::statusChanged);
    backend.start();
    QVERIFY(waitForState(backend, BackendStatus::State::Failed));
    QVERIFY2(backend.status().summary.contains(QStringLiteral("password")),
             qPrintable(backend.status().summary));
    const int changes = spy.count();
    QTest::qWait(3000); // a retry would come after 2 s
    QCOMPARE(spy.count(), changes);
}

void TestPostgresBackend::reconnectsAfterOutage()
{
    PostgresBackend backend(PgConfig(m_pg.dsn(QStringLiteral("current"))));
    m_pg.stop();
    backend.start();
    QVERIFY2(waitForState(backend, BackendStatus::State::Reconnecting),
             qPrintable(backend.status().summary));
    QVERIFY(backend.status().summary.startsWith(QStringLiteral("reconnecting in")));
    QVERIFY2(m_pg.restart(), qPrintable(m_pg.error()));
    QVERIFY2(waitForState(backend, BackendStatus::State::Ready, 20000),
             qPrintable(backend.status().summary + backend.status().detail));
}

QTEST_GUILESS_MAIN(TestPostgresBackend)
#include "tst_postgresbackend.moc"
