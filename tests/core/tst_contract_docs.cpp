// Checks docs/contract.md against the parsers: every Redis hash / stream field table and
// every Postgres record table lists exactly the fields the struct reads and writes, in
// the same order, with the same required set; and every enum list the SQL or the docs
// could name is the one the parser knows.
#include "ContractDoc.h"
#include "core/contract/ActivePrompt.h"
#include "core/contract/ContextComposition.h"
#include "core/contract/ControlCommand.h"
#include "core/contract/ControlResult.h"
#include "core/contract/OperatorAction.h"
#include "core/contract/ProcessEvent.h"
#include "core/contract/ProcessRecord.h"
#include "core/contract/PromptDeployment.h"
#include "core/contract/PromptVersion.h"
#include "core/contract/RecoveryEvent.h"
#include "core/contract/SessionRecord.h"
#include "core/contract/SessionSummary.h"
#include "core/contract/Span.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QtTest>

using namespace switchboard;
using namespace switchboard::test;

namespace {

QStringList toStrings(const QByteArrayList &names)
{
    QStringList out;
    for (const QByteArray &n : names)
        out.append(QString::fromUtf8(n));
    return out;
}

} // namespace

class TstContractDocs : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void fieldTablesMatchParsers_data();
    void fieldTablesMatchParsers();
    void enumsAreDocumented();

private:
    QList<ContractDocSection> m_sections;
};

void TstContractDocs::initTestCase()
{
    QString error;
    m_sections = readContractDoc(&error);
    QVERIFY2(!m_sections.isEmpty(), qPrintable(error));
}

void TstContractDocs::fieldTablesMatchParsers_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("fields");
    QTest::addColumn<QStringList>(
        "required"); // empty for SQL (nullability is checked against the DB)
    using T = FieldWriter::Target;
    const auto row = [](const char *tag, const char *kind, const char *name,
                        const QByteArrayList &fields, const QByteArrayList &required) {
        QTest::newRow(tag) << QString::fromLatin1(kind) << QString::fromLatin1(name)
                           << toStrings(fields) << toStrings(required);
    };
    row("proc", "Hash", "N proc:{host}:{app}:{pm_id}", ProcessRecord::fieldNames(T::Redis),
        ProcessRecord::requiredFieldNames());
    QTest::newRow("ctx") << QStringLiteral("String") << QStringLiteral("N session:{id}:ctx")
                         << ContextComposition::fieldNames()
                         << ContextComposition::requiredFieldNames();
    row("proc-events", "Stream", "N proc-events", ProcessEvent::fieldNames(T::Redis),
        ProcessEvent::requiredFieldNames());
    row("session", "Hash", "N session:{id}", SessionRecord::fieldNames(T::Redis),
        SessionRecord::requiredFieldNames());
    row("events", "Stream", "N events", RecoveryEvent::fieldNames(T::Redis),
        RecoveryEvent::requiredFieldNames());
    row("control", "Stream", "N control:{host}", ControlCommand::fieldNames(T::Redis),
        ControlCommand::requiredFieldNames());
    row("control-results", "Stream", "N control-results", ControlResult::fieldNames(T::Redis),
        ControlResult::requiredFieldNames());
    row("prompt", "Hash", "N prompt:{agent}", ActivePrompt::fieldNames(T::Redis),
        ActivePrompt::requiredFieldNames());
    row("spans", "Table", "agentops.spans", Span::fieldNames(T::Postgres), {});
    row("sessions", "Table", "agentops.sessions", SessionSummary::fieldNames(T::Postgres), {});
    row("recovery_events", "Table", "agentops.recovery_events",
        RecoveryEvent::fieldNames(T::Postgres), {});
    row("process_events", "Table", "agentops.process_events", ProcessEvent::fieldNames(T::Postgres),
        {});
    row("prompt_versions", "Table", "agentops.prompt_versions",
        PromptVersion::fieldNames(T::Postgres), {});
    row("prompt_deployment_status", "View", "agentops.prompt_deployment_status",
        PromptDeployment::fieldNames(T::Postgres), {});
    row("operator_actions", "Table", "agentops.operator_actions",
        OperatorAction::fieldNames(T::Postgres), {});
}

void TstContractDocs::fieldTablesMatchParsers()
{
    QFETCH(QString, kind);
    QFETCH(QString, name);
    QFETCH(QStringList, fields);
    QFETCH(QStringList, required);
    const ContractDocSection *s = findSection(m_sections, kind, name);
    QVERIFY2(s,
             qPrintable(QStringLiteral("no section ### ") + kind + QStringLiteral(" `") + name
                        + QLatin1Char('`')));
    QStringList documented;
    QStringList documentedRequired;
    for (const ContractDocRow &r : s->rows) {
        documented.append(r.name);
        if (r.flag == QLatin1String("yes"))
            documentedRequired.append(r.name);
    }
    QCOMPARE(documented, fields);
    if (kind == QLatin1String("Hash") || kind == QLatin1String("Stream")
        || kind == QLatin1String("String"))
        QCOMPARE(documentedRequired, required);
}

void TstContractDocs::enumsAreDocumented()
{
    QFile f(contractDocPath());
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString doc = QString::fromUtf8(f.readAll());
    const QStringList lists = {enumAllowed<ProcessStatus>(),      enumAllowed<ExecMode>(),
                               enumAllowed<ProcessEventKind>(),   enumAllowed<SessionState>(),
                               enumAllowed<SegmentKind>(),        enumAllowed<RecoveryKind>(),
                               enumAllowed<RecoveryStrategy>(),   enumAllowed<RecoveryOutcome>(),
                               enumAllowed<ControlAction>(),      enumAllowed<ControlState>(),
                               enumAllowed<SpanKind>(),           enumAllowed<SpanStatus>(),
                               enumAllowed<SessionOutcome>(),     enumAllowed<DeploymentKind>(),
                               enumAllowed<OperatorActionKind>(), enumAllowed<OperatorOutcome>()};
    for (const QString &allowed : lists) {
        // The docs write them as `a`, `b`, `c`.
        const QString asDoc = QLatin1Char('`')
            + allowed.split(QLatin1Char('|')).join(QStringLiteral("`, `")) + QLatin1Char('`');
        QVERIFY2(doc.contains(asDoc),
                 qPrintable(QStringLiteral("enum not documented as ") + asDoc));
    }
    // And the SQL CHECKs list the same texts (a later migration may replace a CHECK: every
    // migration is read, the newest list must be there).
    const QDir sqlDir(qEnvironmentVariable("SWITCHBOARD_SOURCE_DIR")
                      + QStringLiteral("/resources/sql"));
    const QStringList migrations = sqlDir.entryList({QStringLiteral("*.sql")}, QDir::Files);
    QVERIFY(migrations.contains(QStringLiteral("001_initial.sql")));
    QString sqlText;
    for (const QString &name : migrations) {
        QFile sqlFile(sqlDir.filePath(name));
        QVERIFY(sqlFile.open(QIODevice::ReadOnly));
        sqlText += QString::fromUtf8(sqlFile.readAll());
    }
    sqlText.remove(QRegularExpression(QStringLiteral("\\s+")));
    const QStringList sqlLists
        = {enumAllowed<ProcessEventKind>(),   enumAllowed<RecoveryKind>(),
           enumAllowed<RecoveryStrategy>(),   enumAllowed<RecoveryOutcome>(),
           enumAllowed<SpanKind>(),           enumAllowed<SpanStatus>(),
           enumAllowed<SessionOutcome>(),     enumAllowed<DeploymentKind>(),
           enumAllowed<OperatorActionKind>(), enumAllowed<OperatorOutcome>()};
    for (const QString &allowed : sqlLists) {
        const QString asSql = QStringLiteral("IN('")
            + allowed.split(QLatin1Char('|')).join(QStringLiteral("','")) + QStringLiteral("')");
        QVERIFY2(sqlText.contains(asSql),
                 qPrintable(QStringLiteral("SQL CHECK missing: ") + asSql));
    }
}

QTEST_GUILESS_MAIN(TstContractDocs)
#include "tst_contract_docs.moc"
