// `switchboard db status|migrate` against a real PostgreSQL: says which migrations it
// applied, is idempotent, and reports a missing / newer schema with its own exit status.
#include "core/pg/Migrator.h"
#include "support/PostgresServer.h"

#include <QProcess>
#include <QTest>

using namespace switchboard;
using namespace switchboard::test;

class TestDbCommand : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void migrateThenStatus();
    void newerSchemaIsRefused();
    void unreachableServer();

private:
    struct Result
    {
        int exitCode = -1;
        QString out;
        QString err;
    };
    Result run(const QStringList &args);
    PostgresServer m_pg;
    int m_latest = 0;
};

TestDbCommand::Result TestDbCommand::run(const QStringList &args)
{
    QProcess p;
    p.setProgram(QStringLiteral(SWITCHBOARD_BIN));
    p.setArguments(args);
    // As over ssh on a server: no display and no platform plugin chosen. The db commands
    // must not need a window system.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    p.setProcessEnvironment(env);
    p.start();
    Result r;
    if (!p.waitForFinished(60000))
        return r;
    r.exitCode = p.exitCode();
    r.out = QString::fromLocal8Bit(p.readAllStandardOutput());
    r.err = QString::fromLocal8Bit(p.readAllStandardError());
    return r;
}

void TestDbCommand::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    m_latest = Migrator(Migrator::embeddedMigrations()).latestVersion();
    QVERIFY2(m_latest >= 1, "no migrations are embedded in core");
}

void TestDbCommand::migrateThenStatus()
{
    QVERIFY2(m_pg.createDatabase(QStringLiteral("cli"), false), qPrintable(m_pg.error()));
    const QString dsn = m_pg.dsn(QStringLiteral("cli"));

    Result r = run({QStringLiteral("db"), QStringLiteral("status"), QStringLiteral("--pg"), dsn});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.out.contains(QStringLiteral("no Switchboard schema"), Qt::CaseInsensitive)
                 || r.out.contains(QStringLiteral("missing"), Qt::CaseInsensitive),
             qPrintable(r.out));

    r = run({QStringLiteral("db"), QStringLiteral("migrate"), QStringLiteral("--pg"), dsn});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("applied")), qPrintable(r.out));

    r = run({QStringLiteral("db"), QStringLiteral("migrate"), QStringLiteral("--pg"), dsn});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("already")) || r.out.contains(QStringLiteral("nothing")),
             qPrintable(r.out));

    r = run({QStringLiteral("db"), QStringLiteral("status"), QStringLiteral("--pg"), dsn});
    QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
    QCOMPARE(m_pg.psql(QStringLiteral("cli"),
                       QStringLiteral("select max(version) from agentops.schema_version"))
                 .trimmed()
                 .toInt(),
             m_latest);
    QCOMPARE(m_pg.psql(QStringLiteral("cli"),
                       QStringLiteral("select application_name from pg_stat_activity "
                                      "where application_name = 'switchboard' limit 1"))
                 .trimmed(),
             QByteArray()); // the CLI has disconnected
}

void TestDbCommand::newerSchemaIsRefused()
{
    QVERIFY2(m_pg.createDatabase(QStringLiteral("newer"), true), qPrintable(m_pg.error()));
    bool ok = false;
    m_pg.psql(QStringLiteral("newer"),
              QStringLiteral("insert into agentops.schema_version(version, name, checksum) "
                             "values (%1, 'from-the-future', 'x')")
                  .arg(m_latest + 1),
              &ok);
    QVERIFY(ok);
    const QString dsn = m_pg.dsn(QStringLiteral("newer"));
    Result r = run({QStringLiteral("db"), QStringLiteral("status"), QStringLiteral("--pg"), dsn});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.out.contains(QString::number(m_latest + 1)), qPrintable(r.out));
    r = run({QStringLiteral("db"), QStringLiteral("migrate"), QStringLiteral("--pg"), dsn});
    QCOMPARE(r.exitCode, 1);
}

void TestDbCommand::unreachableServer()
{
    const Result r = run({QStringLiteral("db"), QStringLiteral("status"), QStringLiteral("--pg"),
                          QStringLiteral("host=127.0.0.1 port=1 dbname=x connect_timeout=3")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("cannot connect")), qPrintable(r.err));
}

QTEST_GUILESS_MAIN(TestDbCommand)
#include "tst_dbcommand.moc"
