// `switchboard db status|migrate` against a real PostgreSQL: says which migrations it
// applied, is idempotent, reports a missing / newer schema with its own exit status, and
// upgrades a v1 database (migration 002) without losing a row.
#include "core/pg/Migrator.h"
#include "support/PostgresServer.h"

#include <QMap>
#include <QProcess>
#include <QTest>

#include <pqxx/pqxx>

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
    void upgradesAV1DatabaseWithoutLosingARow();

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

void TestDbCommand::upgradesAV1DatabaseWithoutLosingARow()
{
    const QString db = QStringLiteral("v1up");
    QVERIFY2(m_pg.createDatabase(db, false), qPrintable(m_pg.error()));
    const QList<Migration> all = Migrator::embeddedMigrations();
    QList<Migration> v1;
    for (const Migration &m : all)
        if (m.version == 1)
            v1 << m;
    QCOMPARE(v1.size(), 1);
    {
        pqxx::connection c(m_pg.dsn(db).toStdString());
        const MigrationReport report = Migrator(v1).migrate(c);
        QVERIFY2(report.ok, qPrintable(report.error));
    }
    // Rows in every table, as v1 clients wrote them (direct INSERTs, as v1 allowed).
    bool ok = false;
    m_pg.psql(
        db,
        QStringLiteral(
            "INSERT INTO agentops.spans (span_id, trace_id, session_id, turn, kind, name, agent, "
            "started_at, duration_ms, status, path, depth, attrs, input) VALUES "
            "('sp1', 't1', 's1', 0, 'turn', 'turn 0', 'triage', now(), 12.5, 'ok', 'p1', 0, "
            "'{\"a\": 1}', 'hello'), ('sp2', 't1', 's1', 0, 'llm', 'chat m', 'triage', now(), "
            "3, 'error', 'p1.p2', 1, NULL, NULL);"
            "INSERT INTO agentops.sessions (session_id, agent, started_at, turns, outcome, "
            "had_recovery_events, recovery_event_count) VALUES ('s1', 'triage', now(), 3, "
            "'completed', true, 1);"
            "INSERT INTO agentops.recovery_events (at, session_id, agent, kind, recoverable, "
            "strategy, outcome, attempt, stream_id) VALUES (now(), 's1', 'triage', "
            "'invalid_json', true, 'stricter_prompt_retry', 'recovered', 1, '1-0');"
            "INSERT INTO agentops.process_events (at, host, app, pm_id, event, detail, stream_id) "
            "VALUES (now(), 'h1', 'api', 0, 'restart', '{\"by\": \"ops\"}', '2-0');"
            "INSERT INTO agentops.prompt_versions (agent, version, body, model, created_by, "
            "eval_passed) VALUES ('triage', 1, 'v1', 'm1', 'ann', true), ('triage', 2, 'v2', "
            "'m2', 'ann', false);"
            "INSERT INTO agentops.prompt_deployments (agent, version, deployed_by, kind) VALUES "
            "('triage', 1, 'ann', 'deploy');"
            "INSERT INTO agentops.prompt_deployments (agent, version, deployed_by, kind, reason, "
            "previous_version, previous_deployment_id) SELECT 'triage', 2, 'bob', 'deploy', "
            "'r', 1, max(id) FROM agentops.prompt_deployments;"
            "INSERT INTO agentops.prompt_notifications (deployment_id, notified_by) SELECT id, "
            "'ann' FROM agentops.prompt_deployments;"
            "INSERT INTO agentops.operator_actions (operator, client_host, action, target, "
            "reason, params, outcome) VALUES ('ann', 'laptop', 'rollback', 'prompt:triage', 'r', "
            "'{\"to_version\": 1}', 'succeeded'), ('bob', 'laptop', 'reload', "
            "'proc:h1:api:0', 'stuck', NULL, 'requested');"),
        &ok);
    QVERIFY(ok);
    const QStringList tables
        = QString::fromUtf8(m_pg.psql(db,
                                      QStringLiteral("SELECT table_name FROM "
                                                     "information_schema.tables "
                                                     "WHERE table_schema = "
                                                     "'agentops' AND table_type = "
                                                     "'BASE TABLE' ORDER BY 1")))
              .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(tables.size(), 9); // the eight of 001 and schema_version
    // Each table's rows over its v1 columns: count and a digest of every value.
    QMap<QString, QString> before;
    QMap<QString, QString> columns;
    for (const QString &t : tables) {
        columns[t] = QString::fromUtf8(
                         m_pg.psql(db,
                                   QStringLiteral("SELECT string_agg(quote_ident(column_name), "
                                                  "', ' ORDER BY ordinal_position) FROM "
                                                  "information_schema.columns WHERE "
                                                  "table_schema = 'agentops' AND table_name = "
                                                  "'%1'")
                                       .arg(t)))
                         .trimmed();
        before[t] = QString::fromUtf8(
                        m_pg.psql(db,
                                  QStringLiteral("SELECT count(*) || ':' || "
                                                 "coalesce(md5(string_agg(r::text, '|' ORDER "
                                                 "BY r::text)), '') FROM (SELECT ROW(%1) AS r "
                                                 "FROM agentops.%2) x")
                                      .arg(columns[t], t)))
                        .trimmed();
        if (t != QLatin1String("schema_version"))
            QVERIFY2(!before[t].startsWith(QStringLiteral("0:")), qPrintable(t));
    }

    // The upgrade, as an operator would run it.
    const Result r = run(
        {QStringLiteral("db"), QStringLiteral("migrate"), QStringLiteral("--pg"), m_pg.dsn(db)});
    QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
    QVERIFY2(r.out.contains(QStringLiteral("applied 002")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("already there: 001")), qPrintable(r.out));

    for (const QString &t : tables) {
        if (t == QLatin1String("schema_version"))
            continue; // has its new row
        const QString after
            = QString::fromUtf8(m_pg.psql(db,
                                          QStringLiteral("SELECT count(*) || ':' || "
                                                         "coalesce(md5(string_agg(r::text, "
                                                         "'|' ORDER BY r::text)), '') FROM "
                                                         "(SELECT ROW(%1) AS r FROM "
                                                         "agentops.%2) x")
                                              .arg(columns[t], t)))
                  .trimmed();
        QVERIFY2(after == before[t],
                 qPrintable(QStringLiteral("%1: %2 before, %3 after").arg(t, before[t], after)));
    }
    // Old rows: no database role (written before the server recorded it).
    QCOMPARE(m_pg.psql(db,
                       QStringLiteral("SELECT (SELECT count(*) FROM agentops.operator_actions "
                                      "WHERE db_role IS NOT NULL) + (SELECT count(*) FROM "
                                      "agentops.prompt_deployments WHERE db_role IS NOT NULL) "
                                      "+ (SELECT count(*) FROM agentops.prompt_notifications "
                                      "WHERE db_role IS NOT NULL)"))
                 .trimmed(),
             QByteArray("0"));
    // New rows, written through the functions by real logins, are stamped with the login.
    QVERIFY(m_pg.createLogin(QStringLiteral("up_op"), QStringLiteral("pw"),
                             {QStringLiteral("agentops_operator")}));
    QVERIFY(m_pg.createLogin(QStringLiteral("up_ci"), QStringLiteral("pw"),
                             {QStringLiteral("agentops_deployer")}));
    m_pg.psql(db, QStringLiteral("GRANT CONNECT ON DATABASE %1 TO PUBLIC").arg(db), &ok);
    QVERIFY(ok);
    try {
        {
            pqxx::connection c(
                m_pg.loginDsn(QStringLiteral("up_op"), QStringLiteral("pw"), db).toStdString());
            pqxx::work w(c);
            const pqxx::row row = w.exec1(
                "SELECT status, deployment_id FROM agentops.rollback_prompt('triage', 1, "
                "(SELECT max(id) FROM agentops.prompt_deployments), 'v2 loops', NULL, 'ann', "
                "'laptop')");
            QCOMPARE(QString::fromStdString(row[0].as<std::string>()), QStringLiteral("committed"));
            w.exec_params("SELECT agentops.record_prompt_notification($1, false, 'set', 'ann', "
                          "'laptop')",
                          row[1].as<qint64>());
            w.commit();
        }
        {
            pqxx::connection c(
                m_pg.loginDsn(QStringLiteral("up_ci"), QStringLiteral("pw"), db).toStdString());
            pqxx::work w(c);
            w.exec("SELECT agentops.add_prompt_version('triage', NULL, 'v3', 'm3', NULL, 'ci', "
                   "NULL, 'golden', 0.9, true)");
            w.exec("SELECT agentops.deploy_prompt('triage', 3, NULL, 'release 3', NULL, "
                   "'release-bot', 'ci')");
            w.commit();
        }
    } catch (const std::exception &e) {
        QFAIL(e.what());
    }
    QCOMPARE(m_pg.psql(db,
                       QStringLiteral("SELECT string_agg(coalesce(db_role, '-'), ',' ORDER BY "
                                      "id) FROM agentops.prompt_deployments"))
                 .trimmed(),
             QByteArray("-,-,up_op,up_ci"));
    QCOMPARE(m_pg.psql(db,
                       QStringLiteral("SELECT string_agg(coalesce(db_role, '-'), ',' ORDER BY "
                                      "id) FROM agentops.prompt_notifications"))
                 .trimmed(),
             QByteArray("-,-,up_op"));
    QCOMPARE(m_pg.psql(db,
                       QStringLiteral("SELECT string_agg(action || '/' || coalesce(db_role, "
                                      "'-'), ',' ORDER BY id) FROM agentops.operator_actions"))
                 .trimmed(),
             QByteArray("rollback/-,reload/-,rollback/up_op,deploy/up_ci"));
    QCOMPARE(m_pg.psql(db,
                       QStringLiteral("SELECT string_agg(version::text, ',' ORDER BY version) "
                                      "FROM agentops.schema_version"))
                 .trimmed(),
             QByteArray("1,2"));
}

QTEST_GUILESS_MAIN(TestDbCommand)
#include "tst_dbcommand.moc"
