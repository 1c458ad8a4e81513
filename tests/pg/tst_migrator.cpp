// The migrator against a real PostgreSQL: applies, records, refuses to re-apply, notices
// edited files, and check() reports each schema state in words an operator can act on.
#include "core/pg/Migrator.h"
#include "support/PostgresServer.h"

#include <QtTest>

#include <pqxx/pqxx>
#include <thread>

using namespace switchboard;
using namespace switchboard::test;

namespace {
QList<Migration> twoMigrations()
{
    return {{1, QStringLiteral("first"),
             QByteArrayLiteral(
                 "CREATE TABLE agentops.widgets (id bigint PRIMARY KEY, name text NOT NULL);")},
            {2, QStringLiteral("second"),
             QByteArrayLiteral("ALTER TABLE agentops.widgets ADD COLUMN colour text;\n"
                               "CREATE INDEX widgets_colour ON agentops.widgets (colour);")}};
}
} // namespace

class TestMigrator : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_pg.start(), qPrintable(m_pg.error())); }

    void appliesToEmptyDatabaseAndRecordsVersions()
    {
        QVERIFY2(m_pg.createDatabase(QStringLiteral("m_apply"), false), qPrintable(m_pg.error()));
        pqxx::connection c(m_pg.dsn(QStringLiteral("m_apply")).toStdString());
        const Migrator migrator(twoMigrations());
        QCOMPARE(migrator.latestVersion(), 2);
        QCOMPARE(migrator.check(c).kind, SchemaStatus::Missing);

        const MigrationReport first = migrator.migrate(c);
        QVERIFY2(first.ok, qPrintable(first.error));
        QCOMPARE(first.applied, (QList<int> {1, 2}));
        QVERIFY(first.alreadyApplied.isEmpty());
        QVERIFY2(first.summary().contains(QStringLiteral("applied 001, 002")),
                 qPrintable(first.summary()));

        const QByteArray rows
            = m_pg.psql(QStringLiteral("m_apply"),
                        QStringLiteral("SELECT version, name, length(checksum), applied_by FROM "
                                       "agentops.schema_version ORDER BY 1"));
        QCOMPARE(rows, QByteArray("1|first|64|postgres\n2|second|64|postgres\n"));
        // The DDL itself landed.
        QCOMPARE(
            m_pg.psql(QStringLiteral("m_apply"),
                      QStringLiteral(
                          "SELECT count(*) FROM pg_indexes WHERE indexname = 'widgets_colour'")),
            QByteArray("1\n"));

        const MigrationReport second = migrator.migrate(c);
        QVERIFY2(second.ok, qPrintable(second.error));
        QVERIFY(second.applied.isEmpty());
        QCOMPARE(second.alreadyApplied, (QList<int> {1, 2}));

        const SchemaStatus status = migrator.check(c);
        QCOMPARE(status.kind, SchemaStatus::Current);
        QCOMPARE(status.found, 2);
    }

    void checkReportsOlderAndNewer()
    {
        QVERIFY2(m_pg.createDatabase(QStringLiteral("m_check"), false), qPrintable(m_pg.error()));
        pqxx::connection c(m_pg.dsn(QStringLiteral("m_check")).toStdString());
        QList<Migration> onlyFirst = twoMigrations();
        onlyFirst.removeLast();
        QVERIFY(Migrator(onlyFirst).migrate(c).ok);

        const Migrator both(twoMigrations());
        SchemaStatus status = both.check(c);
        QCOMPARE(status.kind, SchemaStatus::Older);
        QCOMPARE(status.found, 1);
        QCOMPARE(status.expected, 2);
        QVERIFY2(status.message.contains(QStringLiteral("version 1")), qPrintable(status.message));

        // A newer Switchboard migrated this database.
        bool ok = false;
        m_pg.psql(QStringLiteral("m_check"),
                  QStringLiteral("INSERT INTO agentops.schema_version (version, name, checksum) "
                                 "VALUES (3, 'future', 'x')"),
                  &ok);
        QVERIFY(ok);
        status = both.check(c);
        QCOMPARE(status.kind, SchemaStatus::Newer);
        QCOMPARE(status.found, 3);
        QCOMPARE(status.message,
                 QStringLiteral("database schema is version 3 but this Switchboard understands up "
                                "to 2: upgrade Switchboard"));
        // And the migrator refuses to touch it.
        const MigrationReport report = both.migrate(c);
        QVERIFY(!report.ok);
        QVERIFY2(report.error.contains(QStringLiteral("upgrade Switchboard")),
                 qPrintable(report.error));
        QCOMPARE(m_pg.psql(QStringLiteral("m_check"),
                           QStringLiteral(
                               "SELECT count(*) FROM agentops.schema_version WHERE version = 2")),
                 QByteArray("0\n"));
    }

    void checksumMismatchIsAnError()
    {
        QVERIFY2(m_pg.createDatabase(QStringLiteral("m_sum"), false), qPrintable(m_pg.error()));
        pqxx::connection c(m_pg.dsn(QStringLiteral("m_sum")).toStdString());
        QVERIFY(Migrator(twoMigrations()).migrate(c).ok);
        QList<Migration> edited = twoMigrations();
        edited[0].sql += QByteArrayLiteral("\n-- edited later");
        const MigrationReport report = Migrator(edited).migrate(c);
        QVERIFY(!report.ok);
        QVERIFY2(report.error.contains(QStringLiteral("001_first")), qPrintable(report.error));
        QVERIFY2(report.error.contains(QStringLiteral("checksum")), qPrintable(report.error));
    }

    void failingMigrationRollsBackWithItsVersionRow()
    {
        QVERIFY2(m_pg.createDatabase(QStringLiteral("m_fail"), false), qPrintable(m_pg.error()));
        pqxx::connection c(m_pg.dsn(QStringLiteral("m_fail")).toStdString());
        QList<Migration> list = twoMigrations();
        list.append({3, QStringLiteral("broken"),
                     QByteArrayLiteral(
                         "CREATE TABLE agentops.half (id int);\nSELECT no_such_function();")});
        const MigrationReport report = Migrator(list).migrate(c);
        QVERIFY(!report.ok);
        QCOMPARE(report.applied, (QList<int> {1, 2}));
        QVERIFY2(report.error.contains(QStringLiteral("003_broken")), qPrintable(report.error));
        // One transaction: neither the half-made table nor a version row for 3 survived.
        QCOMPARE(m_pg.psql(QStringLiteral("m_fail"),
                           QStringLiteral("SELECT to_regclass('agentops.half') IS NULL, "
                                          "max(version) FROM agentops.schema_version")),
                 QByteArray("t|2\n"));
    }

    void concurrentMigratorsDoNotRace()
    {
        QVERIFY2(m_pg.createDatabase(QStringLiteral("m_race"), false), qPrintable(m_pg.error()));
        const std::string dsn = m_pg.dsn(QStringLiteral("m_race")).toStdString();
        QList<Migration> slow = twoMigrations();
        slow[0].sql.prepend("SELECT pg_sleep(0.3);\n");
        MigrationReport a, b;
        std::thread other([&] {
            pqxx::connection c(dsn);
            b = Migrator(slow).migrate(c);
        });
        {
            pqxx::connection c(dsn);
            a = Migrator(slow).migrate(c);
        }
        other.join();
        QVERIFY2(a.ok, qPrintable(a.error));
        QVERIFY2(b.ok, qPrintable(b.error));
        QCOMPARE(a.applied.size() + b.applied.size(), 2);
        QCOMPARE(m_pg.psql(QStringLiteral("m_race"),
                           QStringLiteral("SELECT count(*) FROM agentops.schema_version")),
                 QByteArray("2\n"));
    }

    void fixtureAppliesEmbeddedMigrations()
    {
        QString problems;
        const QList<Migration> embedded = Migrator::embeddedMigrations(&problems);
        QVERIFY2(problems.isEmpty(), qPrintable(problems));
        QVERIFY2(m_pg.createDatabase(QStringLiteral("m_embedded"), true), qPrintable(m_pg.error()));
        pqxx::connection c(m_pg.dsn(QStringLiteral("m_embedded")).toStdString());
        const SchemaStatus status = Migrator(embedded).check(c);
        if (embedded.isEmpty())
            QCOMPARE(status.kind, SchemaStatus::Missing);
        else
            QCOMPARE(status.kind, SchemaStatus::Current);
    }

private:
    PostgresServer m_pg;
};

QTEST_GUILESS_MAIN(TestMigrator)
#include "tst_migrator.moc"
