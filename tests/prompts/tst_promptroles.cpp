// The roles of docs/contract.md ("Roles", "Functions"), tried as an attacker would: one
// login per role (viewer, agent = agentops_writer, operator, CI deployer, bridge) runs raw
// SQL against every prompt function and every prompt / audit table (SELECT, INSERT, UPDATE,
// DELETE). Only what the contract grants may succeed; everything else must be refused with
// "permission denied". The expectation is one table below: a grant changed in a migration
// without changing it (and the contract) makes this test fail.
#include "PromptFixture.h"
#include "support/PostgresServer.h"

#include <QTest>

#include <pqxx/pqxx>

using namespace switchboard::test;

namespace {

// The columns of the expectation table.
const char *const kLogins[] = {"viewer_l", "writer_l", "operator_l", "deployer_l", "bridge_l"};
const char *const kRoles[] = {"agentops_viewer", "agentops_writer", "agentops_operator",
                              "agentops_deployer", "agentops_bridge"};
constexpr int kLoginCount = 5;

struct Attempt
{
    const char *name;
    const char *sql; // %LATEST% = the agent's latest deployment id, %REQUEST% = a request row
    const char *allowed; // one letter per login, in kLogins order: Y = may, - = refused
};

// viewer, writer (agents), operator, deployer (CI), bridge
const Attempt kAttempts[] = {
    // prompt_versions
    {"SELECT prompt_versions", "SELECT agent FROM agentops.prompt_versions LIMIT 1", "Y-Y--"},
    {"INSERT prompt_versions",
     "INSERT INTO agentops.prompt_versions (agent, version, body, model, created_by) "
     "VALUES ('triage', 99, 'b', 'm', 'x')",
     "-----"},
    {"UPDATE prompt_versions", "UPDATE agentops.prompt_versions SET note = 'x' WHERE false",
     "-----"},
    {"DELETE prompt_versions", "DELETE FROM agentops.prompt_versions WHERE false", "-----"},
    // prompt_deployments
    {"SELECT prompt_deployments", "SELECT id FROM agentops.prompt_deployments LIMIT 1", "Y-Y--"},
    {"INSERT prompt_deployments",
     "INSERT INTO agentops.prompt_deployments (agent, version, deployed_by, kind, "
     "previous_deployment_id) VALUES ('triage', 1, 'x', 'deploy', %LATEST%)",
     "-----"},
    {"UPDATE prompt_deployments", "UPDATE agentops.prompt_deployments SET reason = 'x' WHERE false",
     "-----"},
    {"DELETE prompt_deployments", "DELETE FROM agentops.prompt_deployments WHERE false", "-----"},
    // prompt_notifications
    {"SELECT prompt_notifications", "SELECT id FROM agentops.prompt_notifications LIMIT 1",
     "Y-Y--"},
    {"INSERT prompt_notifications",
     "INSERT INTO agentops.prompt_notifications (deployment_id, notified_by) "
     "VALUES (%LATEST%, 'x')",
     "-----"},
    {"UPDATE prompt_notifications",
     "UPDATE agentops.prompt_notifications SET notified_by = 'x' WHERE false", "-----"},
    {"DELETE prompt_notifications", "DELETE FROM agentops.prompt_notifications WHERE false",
     "-----"},
    // the view
    {"SELECT prompt_deployment_status",
     "SELECT id, db_role FROM agentops.prompt_deployment_status LIMIT 1", "Y-Y--"},
    // operator_actions
    {"SELECT operator_actions", "SELECT id FROM agentops.operator_actions LIMIT 1", "Y-Y--"},
    {"INSERT operator_actions",
     "INSERT INTO agentops.operator_actions (operator, client_host, action, target, reason, "
     "outcome) VALUES ('x', 'h', 'export', 'session:s', 'r', 'succeeded')",
     "-----"},
    {"UPDATE operator_actions", "UPDATE agentops.operator_actions SET reason = 'x' WHERE false",
     "-----"},
    {"DELETE operator_actions", "DELETE FROM agentops.operator_actions WHERE false", "-----"},
    // every function of migration 002
    {"rollback_prompt",
     "SELECT status FROM agentops.rollback_prompt('triage', 1, %LATEST%, 'r', NULL, 'x', 'h')",
     "--Y--"},
    {"deploy_prompt",
     "SELECT status FROM agentops.deploy_prompt('triage', 1, NULL, 'r', 'o', 'ci', 'h')", "---Y-"},
    {"add_prompt_version",
     "SELECT agentops.add_prompt_version('triage', NULL, 'b', 'm', NULL, 'ci', NULL, NULL, "
     "NULL, NULL)",
     "---Y-"},
    {"record_prompt_notification",
     "SELECT status FROM agentops.record_prompt_notification(%LATEST%, false, 'set', 'x', 'h')",
     "--Y--"},
    {"record_export", "SELECT agentops.record_export('s-1', 'r', NULL, 'x', 'h')", "--Y--"},
    {"request_action",
     "SELECT id FROM agentops.request_action('reload', 'h1', 'api', '0', 'c-roles', 'r', NULL, "
     "'x', 'h')",
     "--Y--"},
    {"record_action_outcome",
     "SELECT agentops.record_action_outcome(%REQUEST%, 'failed', NULL, 'h')", "--Y--"},
    {"authorize_command",
     "SELECT agentops.authorize_command(%REQUEST%, 'c-0', 'h1', 'api', '0', 'reload', 300)",
     "----Y"},
    {"prompt_change (internal)",
     "SELECT status FROM agentops.prompt_change('rollback', 'triage', 1, false, NULL, 'r', NULL, "
     "'x', 'h')",
     "-----"},
    {"stamp_db_role (trigger)", "SELECT agentops.stamp_db_role()", "-----"},
};

} // namespace

class TestPromptRoles : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void onlyWhatTheContractGrants_data();
    void onlyWhatTheContractGrants();
    void everyFunctionIsTried();
    void rowsRecordTheLoginThatWroteThem();

private:
    QString sql(const QString &query)
    {
        bool ok = false;
        const QByteArray out = m_pg.psql(m_db, query, &ok);
        if (!ok)
            qWarning("psql failed: %s", qPrintable(query));
        return QString::fromUtf8(out).trimmed();
    }
    QString dsnOf(const QString &login) const
    {
        return m_pg.loginDsn(login, QStringLiteral("pw-") + login, m_db);
    }

    PostgresServer m_pg;
    QString m_db = QStringLiteral("roles_db");
    QString m_latest;
    QString m_request;
};

void TestPromptRoles::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createDatabase(m_db), qPrintable(m_pg.error()));
    for (int i = 0; i < kLoginCount; ++i) {
        const QString login = QString::fromLatin1(kLogins[i]);
        QVERIFY2(m_pg.createLogin(login, QStringLiteral("pw-") + login,
                                  {QString::fromLatin1(kRoles[i])}),
                 qPrintable(m_pg.error()));
    }
    bool ok = false;
    m_pg.psql(m_db, promptHistorySql(QStringLiteral("triage"), 3), &ok);
    QVERIFY(ok);
    m_pg.psql(m_db, QStringLiteral("GRANT CONNECT ON DATABASE %1 TO PUBLIC").arg(m_db), &ok);
    QVERIFY(ok);
    m_latest = sql(QStringLiteral("SELECT max(id) FROM agentops.prompt_deployments"));
    m_request = sql(QStringLiteral(
        "SELECT id FROM agentops.request_action('reload', 'h1', 'api', '0', 'c-0', 'stuck', "
        "NULL, 'owner', 'h')"));
    QVERIFY(!m_latest.isEmpty());
    QVERIFY(!m_request.isEmpty());
}

void TestPromptRoles::onlyWhatTheContractGrants_data()
{
    QTest::addColumn<int>("login");
    QTest::addColumn<QString>("statement");
    QTest::addColumn<bool>("allowed");
    for (const Attempt &a : kAttempts) {
        QVERIFY2(qstrlen(a.allowed) == kLoginCount, a.name);
        for (int i = 0; i < kLoginCount; ++i)
            QTest::addRow("%s as %s", a.name, kRoles[i])
                << i << QString::fromLatin1(a.sql) << (a.allowed[i] == 'Y');
    }
}

void TestPromptRoles::onlyWhatTheContractGrants()
{
    QFETCH(int, login);
    QFETCH(QString, statement);
    QFETCH(bool, allowed);
    statement.replace(QStringLiteral("%LATEST%"), m_latest)
        .replace(QStringLiteral("%REQUEST%"), m_request);
    pqxx::connection c(dsnOf(QString::fromLatin1(kLogins[login])).toStdString());
    pqxx::work w(c);
    QString outcome = QStringLiteral("succeeded");
    try {
        w.exec(statement.toStdString());
    } catch (const pqxx::sql_error &e) {
        const QString message = QString::fromUtf8(e.what()).trimmed();
        // Refused by the grants: SQLSTATE 42501 "permission denied for …" (libpqxx 6 does
        // not always keep the state: the words decide then). The append-only triggers also
        // raise 42501, with other words: that would mean the grant exists.
        const std::string state = e.sqlstate();
        if ((state == "42501" || state.empty())
            && message.contains(QStringLiteral("permission denied for ")))
            outcome = QStringLiteral("denied");
        else
            outcome = QStringLiteral("failed otherwise: %1 %2")
                          .arg(QString::fromStdString(e.sqlstate()), message);
    }
    w.abort(); // nothing an attempt wrote stays
    const QString want = allowed ? QStringLiteral("succeeded") : QStringLiteral("denied");
    QVERIFY2(outcome == want,
             qPrintable(QStringLiteral("%1 as %2: expected %3, got %4")
                            .arg(statement, QLatin1String(kLogins[login]), want, outcome)));
}

void TestPromptRoles::everyFunctionIsTried()
{
    // A function added to the schema without a row above fails here.
    const QStringList functions
        = sql(QStringLiteral("SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = "
                             "p.pronamespace WHERE n.nspname = 'agentops' ORDER BY 1"))
              .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY(functions.size() >= 10);
    for (const QString &f : functions) {
        if (f == QLatin1String("forbid_change"))
            continue; // 001's append-only trigger function (PUBLIC may run triggers' functions)
        bool found = false;
        for (const Attempt &a : kAttempts)
            found = found || QString::fromLatin1(a.sql).contains(QStringLiteral("agentops.") + f);
        QVERIFY2(found, qPrintable(QStringLiteral("agentops.%1 has no row in kAttempts").arg(f)));
    }
    // And every function but the trigger ones is SECURITY DEFINER or internal, with a pinned
    // search_path.
    QCOMPARE(sql(QStringLiteral(
                 "SELECT string_agg(p.proname, ',' ORDER BY p.proname) FROM pg_proc p JOIN "
                 "pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'agentops' AND "
                 "p.proname <> 'forbid_change' AND NOT coalesce(p.proconfig @> "
                 "ARRAY['search_path=pg_catalog, pg_temp'], false)")),
             QString());
}

void TestPromptRoles::rowsRecordTheLoginThatWroteThem()
{
    // What the console shows as "who really acted": the login, whatever name was given.
    {
        pqxx::connection c(dsnOf(QStringLiteral("deployer_l")).toStdString());
        pqxx::work w(c);
        const int version = w.exec1("SELECT agentops.add_prompt_version('triage', NULL, 'v4', "
                                    "'m4', NULL, 'ci', 'n', 'golden', 0.9, true)")[0]
                                .as<int>();
        QCOMPARE(version, 4);
        const pqxx::row d
            = w.exec1("SELECT status, deployment_id FROM agentops.deploy_prompt('triage', 4, NULL, "
                      "'release 4', NULL, 'release-bot', 'ci-runner')");
        QCOMPARE(QString::fromStdString(d[0].as<std::string>()), QStringLiteral("committed"));
        w.commit();
    }
    {
        pqxx::connection c(dsnOf(QStringLiteral("operator_l")).toStdString());
        pqxx::work w(c);
        const std::string latest
            = w.exec1("SELECT max(id) FROM agentops.prompt_deployments")[0].as<std::string>();
        const pqxx::row r
            = w.exec1("SELECT status, message FROM agentops.rollback_prompt('triage', "
                      "3, "
                      + latest + ", 'v4 loops', NULL, 'alice', 'laptop')");
        QVERIFY2(r[0].as<std::string>() == "committed", r[1].c_str());
        w.commit();
    }
    QCOMPARE(sql(QStringLiteral("SELECT string_agg(deployed_by || '/' || coalesce(db_role, '-'), "
                                "',' ORDER BY id) FROM agentops.prompt_deployments WHERE id > %1")
                     .arg(m_latest)),
             QStringLiteral("release-bot/deployer_l,alice/operator_l"));
    QCOMPARE(sql(QStringLiteral("SELECT string_agg(action || ':' || outcome || ':' || db_role, ',' "
                                "ORDER BY id) FROM agentops.operator_actions WHERE action IN "
                                "('deploy', 'rollback')")),
             QStringLiteral("deploy:succeeded:deployer_l,rollback:succeeded:operator_l"));
    // A client cannot pretend: even the owner's explicit db_role is overwritten.
    sql(QStringLiteral("INSERT INTO agentops.operator_actions (operator, client_host, action, "
                       "target, reason, outcome, db_role) VALUES ('x', 'h', 'export', "
                       "'session:s', 'r', 'succeeded', 'forged')"));
    QCOMPARE(sql(QStringLiteral(
                 "SELECT db_role FROM agentops.operator_actions ORDER BY id DESC LIMIT 1")),
             QStringLiteral("postgres"));
}

QTEST_GUILESS_MAIN(TestPromptRoles)
#include "tst_promptroles.moc"
