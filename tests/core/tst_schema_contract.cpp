// Migrates a fresh database on a real PostgreSQL 15 and checks that every table and view
// docs/contract.md names exists with exactly the documented columns, types and
// nullability, that the roles exist with the documented rights, and that the append-only
// tables refuse changes.
#include "ContractDoc.h"
#include "support/PostgresServer.h"

#include <QMap>
#include <QtTest>

using namespace switchboard::test;

class TstSchemaContract : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void tablesMatchTheContract();
    void rolesExistWithTheirRights();
    void auditTablesAreAppendOnly();
    void enumChecksRefuseUnknownValues();

private:
    QByteArray sql(const QString &statement, bool expectOk = true);

    PostgresServer m_pg;
    QList<ContractDocSection> m_sections;
};

QByteArray TstSchemaContract::sql(const QString &statement, bool expectOk)
{
    bool ok = false;
    const QByteArray out = m_pg.psql(QStringLiteral("contract"), statement, &ok);
    if (ok != expectOk)
        qWarning().noquote() << statement << "->" << ok << m_pg.error();
    return ok == expectOk ? out : QByteArray("<unexpected>");
}

void TstSchemaContract::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createDatabase(QStringLiteral("contract"), true), qPrintable(m_pg.error()));
    QString error;
    m_sections = readContractDoc(&error);
    QVERIFY2(!m_sections.isEmpty(), qPrintable(error));
}

void TstSchemaContract::tablesMatchTheContract()
{
    int tables = 0;
    for (const ContractDocSection &s : m_sections) {
        if (s.kind != QLatin1String("Table") && s.kind != QLatin1String("View"))
            continue;
        ++tables;
        QVERIFY2(s.name.startsWith(QStringLiteral("agentops.")), qPrintable(s.name));
        const QString table = s.name.mid(9);
        const QByteArray rows = sql(QStringLiteral("SELECT column_name, data_type, is_nullable "
                                                   "FROM information_schema.columns "
                                                   "WHERE table_schema = 'agentops' AND table_name = '%1' "
                                                   "ORDER BY ordinal_position")
                                        .arg(table));
        QMap<QString, QStringList> actual;
        for (const QByteArray &line : rows.split('\n')) {
            if (line.isEmpty())
                continue;
            const QStringList cells = QString::fromUtf8(line).split(QLatin1Char('|'));
            QCOMPARE(cells.size(), 3);
            actual.insert(cells.at(0), {cells.at(1), cells.at(2)});
        }
        QVERIFY2(!actual.isEmpty(), qPrintable(s.name + QStringLiteral(" does not exist after migration")));
        QStringList documented;
        for (const ContractDocRow &row : s.rows) {
            documented.append(row.name);
            QVERIFY2(actual.contains(row.name),
                     qPrintable(s.name + QStringLiteral(".") + row.name + QStringLiteral(" is missing")));
            QString type = row.type;
            if (type == QLatin1String("timestamptz"))
                type = QStringLiteral("timestamp with time zone");
            QCOMPARE(actual.value(row.name).at(0), type);
            const QString nullable = row.flag == QLatin1String("yes") ? QStringLiteral("YES") : QStringLiteral("NO");
            QVERIFY2(actual.value(row.name).at(1) == nullable,
                     qPrintable(s.name + QStringLiteral(".") + row.name + QStringLiteral(" nullability")));
        }
        QStringList undocumented = actual.keys();
        for (const QString &d : documented)
            undocumented.removeAll(d);
        QVERIFY2(undocumented.isEmpty(),
                 qPrintable(s.name + QStringLiteral(" has undocumented columns: ") + undocumented.join(QLatin1Char(','))));
    }
    QVERIFY2(tables >= 10, "the contract should name at least 10 tables and views");
}

void TstSchemaContract::rolesExistWithTheirRights()
{
    const QByteArray roles = sql(QStringLiteral(
        "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'agentops\\_%'"));
    QCOMPARE(roles.trimmed(), QByteArray("agentops_operator,agentops_viewer,agentops_writer"));

    const auto priv = [this](const char *role, const char *table, const char *what) {
        return sql(QStringLiteral("SELECT has_table_privilege('%1', 'agentops.%2', '%3')")
                       .arg(QLatin1String(role), QLatin1String(table), QLatin1String(what)))
            .trimmed();
    };
    QCOMPARE(priv("agentops_viewer", "spans", "SELECT"), QByteArray("t"));
    QCOMPARE(priv("agentops_viewer", "prompt_deployment_status", "SELECT"), QByteArray("t"));
    QCOMPARE(priv("agentops_viewer", "operator_actions", "INSERT"), QByteArray("f"));
    QCOMPARE(priv("agentops_operator", "operator_actions", "INSERT"), QByteArray("t"));
    QCOMPARE(priv("agentops_operator", "prompt_deployments", "INSERT"), QByteArray("t"));
    QCOMPARE(priv("agentops_operator", "prompt_notifications", "INSERT"), QByteArray("t"));
    QCOMPARE(priv("agentops_operator", "prompt_deployments", "UPDATE"), QByteArray("f"));
    QCOMPARE(priv("agentops_operator", "operator_actions", "DELETE"), QByteArray("f"));
    QCOMPARE(priv("agentops_operator", "spans", "INSERT"), QByteArray("f"));
    QCOMPARE(priv("agentops_writer", "spans", "INSERT"), QByteArray("t"));
    QCOMPARE(priv("agentops_writer", "operator_actions", "INSERT"), QByteArray("f"));

    // A real login with the operator role can write an audit row; a viewer cannot.
    QVERIFY(m_pg.createLogin(QStringLiteral("op1"), QStringLiteral("pw-op1"), {QStringLiteral("agentops_operator")}));
    QVERIFY(m_pg.createLogin(QStringLiteral("view1"), QStringLiteral("pw-view1"), {QStringLiteral("agentops_viewer")}));
    const QString insert = QStringLiteral(
        "SET ROLE %1; INSERT INTO agentops.operator_actions (operator, client_host, action, target, reason, outcome) "
        "VALUES ('op1', 'laptop', 'reload', 'proc:h1:api:0', 'stuck', 'requested')");
    sql(insert.arg(QStringLiteral("op1")), true);
    sql(insert.arg(QStringLiteral("view1")), false);
}

void TstSchemaContract::auditTablesAreAppendOnly()
{
    sql(QStringLiteral("INSERT INTO agentops.prompt_versions (agent, version, body, model, created_by) "
                       "VALUES ('triage', 1, 'v1', 'm1', 'ann'), ('triage', 2, 'v2', 'm1', 'ann')"));
    sql(QStringLiteral("INSERT INTO agentops.prompt_deployments (agent, version, deployed_by, kind) "
                       "VALUES ('triage', 1, 'ann', 'deploy')"));
    // Superuser, too: the trigger refuses.
    sql(QStringLiteral("UPDATE agentops.prompt_deployments SET version = 2"), false);
    sql(QStringLiteral("DELETE FROM agentops.operator_actions"), false);
    sql(QStringLiteral("TRUNCATE agentops.prompt_deployments CASCADE"), false);
    // Two rollbacks from the same state: the second is refused by the unique key.
    const QString rollback = QStringLiteral(
        "INSERT INTO agentops.prompt_deployments (agent, version, deployed_by, kind, reason, previous_version, "
        "previous_deployment_id) SELECT 'triage', 2, '%1', 'rollback', 'bad json', 1, max(id) "
        "FROM agentops.prompt_deployments WHERE agent = 'triage' AND id = 1");
    sql(rollback.arg(QStringLiteral("ann")), true);
    sql(rollback.arg(QStringLiteral("bob")), false);
    QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM agentops.prompt_deployment_status WHERE notified_at IS NULL")).trimmed(),
             QByteArray("2"));
}

void TstSchemaContract::enumChecksRefuseUnknownValues()
{
    sql(QStringLiteral("INSERT INTO agentops.process_events (at, host, app, pm_id, event) "
                       "VALUES (now(), 'h', 'a', 0, 'online')"));
    sql(QStringLiteral("INSERT INTO agentops.process_events (at, host, app, pm_id, event) "
                       "VALUES (now(), 'h', 'a', 0, 'exploded')"),
        false);
    sql(QStringLiteral("INSERT INTO agentops.recovery_events (at, session_id, agent, kind, recoverable, strategy, "
                       "outcome, attempt) VALUES (now(), 's', 'a', 'invalid_json', true, 'pray', 'failed', 1)"),
        false);
}

QTEST_GUILESS_MAIN(TstSchemaContract)
#include "tst_schema_contract.moc"
