// Migrates a fresh database on a real PostgreSQL 15 and checks that every table and view
// docs/contract.md names exists with exactly the documented columns, types and
// nullability, that the roles exist with the documented rights, and that the append-only
// tables refuse changes.
#include "ContractDoc.h"
#include "core/contract/OperatorAction.h"
#include "core/contract/ProcessEvent.h"
#include "core/contract/PromptDeployment.h"
#include "core/contract/PromptVersion.h"
#include "core/contract/RecoveryEvent.h"
#include "core/contract/SessionSummary.h"
#include "core/contract/Span.h"
#include "support/PostgresServer.h"

#include <QMap>
#include <QtTest>

#include <pqxx/pqxx>

using namespace switchboard::test;

class TstSchemaContract : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void tablesMatchTheContract();
    void indexesMatchTheContract();
    void rolesExistWithTheirRights();
    void auditTablesAreAppendOnly();
    void enumChecksRefuseUnknownValues();
    void recordsRoundTripThroughPostgres();

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
        const QByteArray rows
            = sql(QStringLiteral("SELECT column_name, data_type, is_nullable "
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
        QVERIFY2(!actual.isEmpty(),
                 qPrintable(s.name + QStringLiteral(" does not exist after migration")));
        QStringList documented;
        for (const ContractDocRow &row : s.rows) {
            documented.append(row.name);
            QVERIFY2(actual.contains(row.name),
                     qPrintable(s.name + QStringLiteral(".") + row.name
                                + QStringLiteral(" is missing")));
            QString type = row.type;
            if (type == QLatin1String("timestamptz"))
                type = QStringLiteral("timestamp with time zone");
            QCOMPARE(actual.value(row.name).at(0), type);
            const QString nullable
                = row.flag == QLatin1String("yes") ? QStringLiteral("YES") : QStringLiteral("NO");
            QVERIFY2(actual.value(row.name).at(1) == nullable,
                     qPrintable(s.name + QStringLiteral(".") + row.name
                                + QStringLiteral(" nullability")));
        }
        QStringList undocumented = actual.keys();
        for (const QString &d : documented)
            undocumented.removeAll(d);
        QVERIFY2(undocumented.isEmpty(),
                 qPrintable(s.name + QStringLiteral(" has undocumented columns: ")
                            + undocumented.join(QLatin1Char(','))));
    }
    QVERIFY2(tables >= 10, "the contract should name at least 10 tables and views");
}

void TstSchemaContract::indexesMatchTheContract()
{
    QString error;
    const QMap<QString, QStringList> documented = readContractIndexes(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY2(documented.size() >= 5, "the contract names indexes for at least five tables");
    // Indexes the migrations made, apart from those behind a primary key or unique
    // constraint (the column tables say those): "(cols) [WHERE …]" as pg_get_indexdef
    // prints it after USING btree.
    const QByteArray rows = sql(QStringLiteral(
        "SELECT 'agentops.' || c.relname || E'\\t' "
        "       || substring(pg_get_indexdef(i.indexrelid) from ' USING [a-z]+ (.*)$') "
        "FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'agentops' "
        "  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"));
    const auto normalize = [](QString text) {
        text.replace(QStringLiteral("("), QStringLiteral(" ( "))
            .replace(QStringLiteral(")"), QStringLiteral(" ) "));
        return text.simplified();
    };
    QMap<QString, QStringList> actual;
    for (const QByteArray &line : rows.split('\n')) {
        const QList<QByteArray> cells = line.split('\t');
        if (cells.size() == 2)
            actual[QString::fromUtf8(cells.at(0))] << normalize(QString::fromUtf8(cells.at(1)));
    }
    QVERIFY2(!actual.isEmpty(), rows.constData());
    for (auto it = documented.cbegin(); it != documented.cend(); ++it) {
        for (const QString &index : it.value()) {
            QVERIFY2(actual.value(it.key()).contains(normalize(index)),
                     qPrintable(QStringLiteral("%1 %2 is in docs/contract.md but not in the "
                                               "schema (schema has: %3)")
                                    .arg(it.key(), index,
                                         actual.value(it.key()).join(QStringLiteral("; ")))));
        }
    }
    for (auto it = actual.cbegin(); it != actual.cend(); ++it) {
        QStringList expected;
        for (const QString &index : documented.value(it.key()))
            expected << normalize(index);
        for (const QString &index : it.value()) {
            QVERIFY2(expected.contains(index),
                     qPrintable(QStringLiteral("%1 %2 is in the schema but not in "
                                               "docs/contract.md")
                                    .arg(it.key(), index)));
        }
    }
}

void TstSchemaContract::rolesExistWithTheirRights()
{
    const QByteArray roles = sql(QStringLiteral("SELECT string_agg(rolname, ',' ORDER BY rolname) "
                                                "FROM pg_roles WHERE rolname LIKE 'agentops\\_%'"));
    QCOMPARE(roles.trimmed(),
             QByteArray("agentops_bridge,agentops_deployer,agentops_operator,"
                        "agentops_viewer,agentops_writer"));

    const auto priv = [this](const char *role, const char *table, const char *what) {
        return sql(QStringLiteral("SELECT has_table_privilege('%1', 'agentops.%2', '%3')")
                       .arg(QLatin1String(role), QLatin1String(table), QLatin1String(what)))
            .trimmed();
    };
    QCOMPARE(priv("agentops_viewer", "spans", "SELECT"), QByteArray("t"));
    QCOMPARE(priv("agentops_viewer", "prompt_deployment_status", "SELECT"), QByteArray("t"));
    QCOMPARE(priv("agentops_viewer", "operator_actions", "INSERT"), QByteArray("f"));
    // Since migration 002 operators write prompt and audit rows only through functions
    // (the full matrix, with raw SQL per login, is tests/prompts/tst_promptroles).
    QCOMPARE(priv("agentops_operator", "operator_actions", "INSERT"), QByteArray("f"));
    QCOMPARE(priv("agentops_operator", "prompt_deployments", "INSERT"), QByteArray("f"));
    QCOMPARE(priv("agentops_operator", "prompt_notifications", "INSERT"), QByteArray("f"));
    QCOMPARE(priv("agentops_operator", "prompt_deployments", "UPDATE"), QByteArray("f"));
    QCOMPARE(priv("agentops_operator", "operator_actions", "DELETE"), QByteArray("f"));
    QCOMPARE(priv("agentops_operator", "spans", "INSERT"), QByteArray("f"));
    QCOMPARE(priv("agentops_writer", "spans", "INSERT"), QByteArray("t"));
    QCOMPARE(priv("agentops_writer", "operator_actions", "INSERT"), QByteArray("f"));
    QCOMPARE(priv("agentops_writer", "prompt_deployments", "SELECT"), QByteArray("f"));
    QCOMPARE(priv("agentops_deployer", "prompt_versions", "SELECT"), QByteArray("f"));
    const auto exec = [this](const char *role, const char *function) {
        return sql(QStringLiteral("SELECT has_function_privilege('%1', 'agentops.%2', 'EXECUTE')")
                       .arg(QLatin1String(role), QLatin1String(function)))
            .trimmed();
    };
    QCOMPARE(
        exec("agentops_operator", "rollback_prompt(text, integer, bigint, text, text, text, text)"),
        QByteArray("t"));
    QCOMPARE(
        exec("agentops_deployer", "deploy_prompt(text, integer, bigint, text, text, text, text)"),
        QByteArray("t"));
    QCOMPARE(
        exec("agentops_viewer", "rollback_prompt(text, integer, bigint, text, text, text, text)"),
        QByteArray("f"));

    // A real login with the operator role can write an audit row through the function,
    // not directly; a viewer can do neither.
    QVERIFY(m_pg.createLogin(QStringLiteral("op1"), QStringLiteral("pw-op1"),
                             {QStringLiteral("agentops_operator")}));
    QVERIFY(m_pg.createLogin(QStringLiteral("view1"), QStringLiteral("pw-view1"),
                             {QStringLiteral("agentops_viewer")}));
    const QString insert = QStringLiteral(
        "SET ROLE %1; INSERT INTO agentops.operator_actions (operator, client_host, action, "
        "target, reason, outcome) "
        "VALUES ('op1', 'laptop', 'reload', 'proc:h1:api:0', 'stuck', 'requested')");
    sql(insert.arg(QStringLiteral("op1")), false);
    sql(insert.arg(QStringLiteral("view1")), false);
    const QString request = QStringLiteral(
        "SET ROLE %1; SELECT id FROM agentops.request_action('reload', 'h1', 'api', '0', '%2', "
        "'stuck', NULL, 'op1', 'laptop')");
    sql(request.arg(QStringLiteral("op1"), QStringLiteral("c-op1")), true);
    sql(request.arg(QStringLiteral("view1"), QStringLiteral("c-view1")), false);
}

void TstSchemaContract::auditTablesAreAppendOnly()
{
    sql(QStringLiteral(
        "INSERT INTO agentops.prompt_versions (agent, version, body, model, created_by) "
        "VALUES ('triage', 1, 'v1', 'm1', 'ann'), ('triage', 2, 'v2', 'm1', 'ann')"));
    sql(QStringLiteral(
        "INSERT INTO agentops.prompt_deployments (agent, version, deployed_by, kind) "
        "VALUES ('triage', 1, 'ann', 'deploy')"));
    // Superuser, too: the trigger refuses.
    sql(QStringLiteral("UPDATE agentops.prompt_deployments SET version = 2"), false);
    sql(QStringLiteral("DELETE FROM agentops.operator_actions"), false);
    sql(QStringLiteral("TRUNCATE agentops.prompt_deployments CASCADE"), false);
    // Two rollbacks from the same state: the second is refused by the unique key.
    const QString rollback = QStringLiteral(
        "INSERT INTO agentops.prompt_deployments (agent, version, deployed_by, kind, reason, "
        "previous_version, "
        "previous_deployment_id) SELECT 'triage', 2, '%1', 'rollback', 'bad json', 1, max(id) "
        "FROM agentops.prompt_deployments WHERE agent = 'triage' AND id = 1");
    sql(rollback.arg(QStringLiteral("ann")), true);
    sql(rollback.arg(QStringLiteral("bob")), false);
    QCOMPARE(
        sql(QStringLiteral(
                "SELECT count(*) FROM agentops.prompt_deployment_status WHERE notified_at IS NULL"))
            .trimmed(),
        QByteArray("2"));
}

void TstSchemaContract::enumChecksRefuseUnknownValues()
{
    sql(QStringLiteral("INSERT INTO agentops.process_events (at, host, app, pm_id, event) "
                       "VALUES (now(), 'h', 'a', 0, 'online')"));
    sql(QStringLiteral("INSERT INTO agentops.process_events (at, host, app, pm_id, event) "
                       "VALUES (now(), 'h', 'a', 0, 'exploded')"),
        false);
    sql(QStringLiteral("INSERT INTO agentops.recovery_events (at, session_id, agent, kind, "
                       "recoverable, strategy, "
                       "outcome, attempt) VALUES (now(), 's', 'a', 'invalid_json', true, 'pray', "
                       "'failed', 1)"),
        false);
}

namespace {

using switchboard::RecordFields;
using Target = switchboard::FieldWriter::Target;

// INSERTs a record written by toFields(Postgres) (NULL stays NULL), and reads the same
// columns back as text, in a session whose time zone is not UTC.
RecordFields insertAndReadBack(pqxx::work &w, const QString &table, const QString &readFrom,
                               const RecordFields &fields, const QString &key,
                               const QString &keyValue)
{
    QStringList cols;
    QStringList values;
    for (const auto &e : fields.entries()) {
        if (e.first == "notified_at" || e.first == "db_role")
            continue; // lives in prompt_notifications / is set by the server
        cols.append(QString::fromUtf8(e.first));
        values.append(e.second ? QString::fromStdString(w.quote(e.second->toStdString()))
                               : QStringLiteral("NULL"));
    }
    w.exec0(QStringLiteral("INSERT INTO agentops.%1 (%2) VALUES (%3)")
                .arg(table, cols.join(QLatin1Char(',')), values.join(QLatin1Char(',')))
                .toStdString());
    QStringList all;
    for (const QByteArray &n : fields.names())
        all.append(QString::fromUtf8(n));
    const pqxx::result r = w.exec(QStringLiteral("SELECT %1 FROM agentops.%2 WHERE %3 = %4")
                                      .arg(all.join(QLatin1Char(',')), readFrom, key,
                                           QString::fromStdString(w.quote(keyValue.toStdString())))
                                      .toStdString());
    RecordFields out;
    if (r.size() != 1)
        return out;
    for (pqxx::row::size_type i = 0; i < r[0].size(); ++i) {
        const pqxx::field f = r[0][i];
        if (f.is_null())
            out.setNull(QByteArray(r.column_name(i)));
        else
            out.set(QByteArray(r.column_name(i)), QByteArray(f.c_str(), qsizetype(f.size())));
    }
    return out;
}

template<class S>
void roundTrip(pqxx::work &w, const QString &table, const QString &readFrom, const S &sample,
               const QString &key, const QString &keyValue)
{
    const RecordFields written = sample.toFields(Target::Postgres);
    const RecordFields read = insertAndReadBack(w, table, readFrom, written, key, keyValue);
    QVERIFY2(!read.isEmpty(), qPrintable(table + QStringLiteral(": no row read back")));
    const auto parsed = S::parse(read);
    QVERIFY2(parsed.isOk(), qPrintable(parsed.message()));
    const RecordFields again = parsed.value().toFields(Target::Postgres);
    for (const auto &e : written.entries()) {
        if (e.first == "notified_at" || e.first == "db_role")
            continue;
        const auto *v = again.find(e.first);
        QVERIFY2(
            v && *v == e.second,
            qPrintable(
                table + QLatin1Char('.') + QString::fromUtf8(e.first) + QStringLiteral(": wrote ")
                + QString::fromUtf8(e.second.value_or("NULL")) + QStringLiteral(", read ")
                + QString::fromUtf8(read.find(e.first) && *read.find(e.first) ? **read.find(e.first)
                                                                              : "NULL")));
    }
}

} // namespace

void TstSchemaContract::recordsRoundTripThroughPostgres()
{
    using namespace switchboard;
    constexpr qint64 t0 = 1795735767123;
    try {
        pqxx::connection c(m_pg.dsn(QStringLiteral("contract")).toStdString());
        pqxx::work w(c);
        // Read back in +05:30: the parsers must honour the offset Postgres prints.
        w.exec0("SET TIME ZONE 'Asia/Kolkata'");

        Span span;
        span.spanId = QStringLiteral("sp-rt");
        span.traceId = QStringLiteral("tr-1");
        span.sessionId = QStringLiteral("s-rt");
        span.turn = 1;
        span.kind = SpanKind::Tool;
        span.name = QStringLiteral("execute_tool search");
        span.agent = QStringLiteral("triage");
        span.startedAt = t0;
        span.durationMs = 12.75;
        span.firstTokenAt = t0 + 5;
        span.inputTokens = 10;
        span.status = SpanStatus::Error;
        span.error = QStringLiteral("timeout | \"quoted\" ' \n next line");
        span.errorType = QStringLiteral("TimeoutError");
        span.path = Span::pathElement(t0, span.spanId);
        span.depth = 0;
        span.attrs
            = {{"gen_ai.tool.name", "search"}, {"gen_ai.tool.call.id", "call_1"}, {"n", 1.5}};
        span.input = QStringLiteral("ünïcødé input");
        span.inputBytes = span.input.toUtf8().size();
        roundTrip(w, QStringLiteral("spans"), QStringLiteral("spans"), span,
                  QStringLiteral("span_id"), span.spanId);

        SessionSummary sum;
        sum.sessionId = QStringLiteral("s-rt");
        sum.agent = QStringLiteral("triage");
        sum.startedAt = t0;
        sum.endedAt = t0 + 60000;
        sum.turns = 3;
        sum.outcome = SessionOutcome::Escalated;
        sum.maxFillPct = 91.25;
        sum.hadRecoveryEvents = true;
        sum.recoveryEventCount = 4;
        roundTrip(w, QStringLiteral("sessions"), QStringLiteral("sessions"), sum,
                  QStringLiteral("session_id"), sum.sessionId);

        RecoveryEvent ev;
        ev.id = 1001;
        ev.streamId = QStringLiteral("1795735767123-0");
        ev.at = t0;
        ev.sessionId = QStringLiteral("s-rt");
        ev.agent = QStringLiteral("triage");
        ev.kind = RecoveryKind::ContextOverflow;
        ev.recoverable = false;
        ev.strategy = RecoveryStrategy::Summarize;
        ev.outcome = RecoveryOutcome::Failed;
        ev.attempt = 3;
        ev.detail = {{"tokens_before", 210000}, {"tokens_after", 90000}};
        roundTrip(w, QStringLiteral("recovery_events"), QStringLiteral("recovery_events"), ev,
                  QStringLiteral("id"), QStringLiteral("1001"));

        ProcessEvent pev;
        pev.id = 2002;
        pev.at = t0;
        pev.host = QStringLiteral("h1");
        pev.app = QStringLiteral("api");
        pev.pmId = 0;
        pev.event = ProcessEventKind::RestartOverlimit;
        roundTrip(w, QStringLiteral("process_events"), QStringLiteral("process_events"), pev,
                  QStringLiteral("id"), QStringLiteral("2002"));

        PromptVersion pv;
        pv.agent = QStringLiteral("rt-agent");
        pv.version = 1;
        pv.body = QStringLiteral("line 1\nline 2 with 'quotes'");
        pv.model = QStringLiteral("m-1");
        pv.params = {{"temperature", 0.2}};
        pv.createdAt = t0;
        pv.createdBy = QStringLiteral("ann");
        pv.evalScore = 0.93;
        pv.evalPassed = false;
        roundTrip(w, QStringLiteral("prompt_versions"), QStringLiteral("prompt_versions"), pv,
                  QStringLiteral("agent"), pv.agent);

        PromptDeployment dep;
        dep.id = 3003;
        dep.agent = QStringLiteral("rt-agent");
        dep.version = 1;
        dep.deployedAt = t0;
        dep.deployedBy = QStringLiteral("ann");
        dep.kind = DeploymentKind::Deploy;
        roundTrip(w, QStringLiteral("prompt_deployments"),
                  QStringLiteral("prompt_deployment_status"), dep, QStringLiteral("id"),
                  QStringLiteral("3003"));

        OperatorAction act;
        act.id = 4004;
        act.at = t0;
        act.operatorName = QStringLiteral("ann");
        act.clientHost = QStringLiteral("laptop");
        act.action = OperatorActionKind::Rollback;
        act.target = QStringLiteral("prompt:rt-agent");
        act.reason = QStringLiteral("bad deploy");
        act.params = {{"to_version", 1}};
        act.outcome = OperatorOutcome::Succeeded;
        act.detail = {{"deployment_id", 3003}};
        roundTrip(w, QStringLiteral("operator_actions"), QStringLiteral("operator_actions"), act,
                  QStringLiteral("id"), QStringLiteral("4004"));
        w.abort();
    } catch (const std::exception &e) {
        QFAIL(e.what());
    }
}

QTEST_GUILESS_MAIN(TstSchemaContract)
#include "tst_schema_contract.moc"
