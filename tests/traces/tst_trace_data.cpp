// The trace services against a real Postgres filled by the simulator: the tree built by
// TraceLoader matches the spans written (counts, nesting, token sums); the model over it
// passes QAbstractItemModelTester; search pages by keyset without losing or repeating a
// row and each filter means what it says; payloads load in parts and broken JSON is
// reported; the export holds every span, parses, and redaction removes the pattern.
#include "TraceFixture.h"
#include "core/pg/PgPool.h"
#include "core/services/PayloadLoader.h"
#include "core/services/TraceExporter.h"
#include "core/services/TraceLoader.h"
#include "core/services/TraceSearch.h"
#include "models/TraceTreeModel.h"

#include <QAbstractItemModelTester>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <limits>
#include <optional>
#include <pqxx/pqxx>
#include <sys/stat.h>

using namespace switchboard;
using namespace switchboard::test;

class TstTraceData : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void treeMatchesSpansWritten();
    void asyncLoadThroughThePool();
    void orphanIsMarkedNotLost();
    void modelPassesTheTester();
    void searchPagesByKeysetWithoutGapsOrRepeats();
    void searchFiltersMeanWhatTheySay();
    void brokenJsonIsShownAsSuch();
    void hugePayloadComesInParts();
    void exportHoldsEverySpanAndParses();
    void redactionRemovesThePattern();
    void auditIsRefusedForAViewer();
    void nonFiniteAndHugeNumbersAreBadValues();
    // Issue 17.4: exports fail closed.
    void auditRowFirstNothingWrittenWithoutIt();
    void aFailedFileRemovesTheWholeExport();
    void filesAre0600AndASymlinkIsNotFollowed();
    void redactionCoversEveryString();
    void redactIdsPseudonymisesConsistently();
    void htmlCspAllowsOnlyTheHashedScriptAndStyle();
    void guiPathAuditsFirstToo();

private:
    void seedSecretSession();
    // The whole export (collect, audit row, files) as the owner.
    ExportResult exportNow(const ExportOptions &o)
    {
        return TraceExporter::run(m_fx.dsn(), m_fx.dsn(), o, QStringLiteral("test-host"));
    }
    template<typename F> auto read(F f)
    {
        pqxx::connection c(m_fx.dsn().toStdString());
        pqxx::read_transaction tx(c);
        return f(tx);
    }
    TraceFixture m_fx;
};

void TstTraceData::initTestCase()
{
    QVERIFY2(m_fx.start(), qPrintable(m_fx.error));
}

void TstTraceData::treeMatchesSpansWritten()
{
    const QList<QByteArray> sessions
        = m_fx.scalar(QStringLiteral("SELECT DISTINCT session_id FROM agentops.spans"
                                     " WHERE session_id <> '%1' ORDER BY 1")
                          .arg(QLatin1String(TraceFixture::kEdgeSession)))
              .split('\n');
    QVERIFY(sessions.size() >= 10);
    int checked = 0;
    for (const QByteArray &sidBytes : sessions) {
        const QString sid = QString::fromUtf8(sidBytes);
        const TraceSnapshotPtr t = read([&](auto &tx) { return TraceLoader::fetch(tx, sid); });
        const QList<QByteArray> expect
            = m_fx.scalar(
                      QStringLiteral(
                          "SELECT count(*), count(*) FILTER (WHERE parent_id IS NULL),"
                          " coalesce(sum(coalesce(input_tokens,0) + coalesce(output_tokens,0)), 0),"
                          " count(*) FILTER (WHERE status = 'error'), count(DISTINCT turn)"
                          " FROM agentops.spans WHERE session_id = '%1'")
                          .arg(sid))
                  .split('|');
        QCOMPARE(t->nodes.size(), expect[0].toInt());
        QCOMPARE(t->roots.size(), expect[1].toInt());
        QCOMPARE(t->errorSpans, expect[3].toInt());
        QCOMPARE(t->orphans, 0);
        qint64 rootTokens = 0;
        int rootSpans = 0;
        for (int r : t->roots) {
            rootTokens += t->nodes[r].subtreeTokens;
            rootSpans += t->nodes[r].subtreeSpans;
        }
        QCOMPARE(rootTokens, expect[2].toLongLong());
        QCOMPARE(rootSpans, int(t->nodes.size()));
        // Nesting: every node's parent is the span its parent_id names, and the depth the
        // writer recorded is the depth in the built tree.
        const QList<QByteArray> depths
            = m_fx.scalar(QStringLiteral("SELECT span_id || ':' || depth FROM agentops.spans"
                                         " WHERE session_id = '%1'")
                              .arg(sid))
                  .split('\n');
        QHash<QString, int> depthOf;
        for (const QByteArray &d : depths) {
            const int colon = int(d.lastIndexOf(':'));
            depthOf.insert(QString::fromUtf8(d.left(colon)), d.mid(colon + 1).toInt());
        }
        for (int i = 0; i < t->nodes.size(); ++i) {
            const TraceNode &n = t->nodes[i];
            QCOMPARE(n.parent < 0 ? QString() : t->nodes[n.parent].spanId, n.parentId);
            QCOMPARE(n.depth, depthOf.value(n.spanId, -1));
            if (n.parent >= 0)
                QVERIFY(n.parent < i); // tree order: parents first
        }
        // Per-turn token sums equal the subtree totals of the turn's root.
        const QList<QByteArray> turns
            = m_fx.scalar(QStringLiteral("SELECT turn || ':' || sum(coalesce(input_tokens,0) +"
                                         " coalesce(output_tokens,0)) FROM agentops.spans"
                                         " WHERE session_id = '%1' GROUP BY turn")
                              .arg(sid))
                  .split('\n');
        QHash<int, qint64> perTurn;
        for (const QByteArray &tt : turns)
            perTurn.insert(tt.split(':')[0].toInt(), tt.split(':')[1].toLongLong());
        for (int r : t->roots)
            QCOMPARE(t->nodes[r].subtreeTokens, perTurn.value(t->nodes[r].turn));
        ++checked;
    }
    QVERIFY(checked >= 10);
}

void TstTraceData::asyncLoadThroughThePool()
{
    PgPool pool(PgConfig(m_fx.dsn()));
    QObject context;
    TraceLoader loader(&pool, &context);
    TraceSnapshotPtr got;
    PgStatus status;
    loader.load(QString::fromLatin1(TraceFixture::kEdgeSession),
                [&](const PgStatus &s, const TraceSnapshotPtr &t) {
                    status = s;
                    got = t;
                });
    QTRY_VERIFY_WITH_TIMEOUT(got || !status.ok(), 10000);
    QVERIFY2(status.ok(), qPrintable(status.message));
    QCOMPARE(got->nodes.size(), 4);
    QCOMPARE(got->agent, QStringLiteral("support-agent"));
    QCOMPARE(got->recoveryEvents.size(), 1);
    QCOMPARE(got->nodes[got->indexOf.value(QString::fromLatin1(TraceFixture::kBrokenSpan))]
                 .recoveryEvents,
             1);
}

void TstTraceData::orphanIsMarkedNotLost()
{
    const TraceSnapshotPtr t = read([](auto &tx) {
        return TraceLoader::fetch(tx, QString::fromLatin1(TraceFixture::kEdgeSession));
    });
    QCOMPARE(t->orphans, 1);
    const TraceNode &o = t->nodes[t->indexOf.value(QString::fromLatin1(TraceFixture::kOrphanSpan))];
    QCOMPARE(o.parent, -1);
    QVERIFY(o.problem.contains(QStringLiteral("edge-missing-parent")));
    QCOMPARE(t->roots.size(), 2);
}

void TstTraceData::modelPassesTheTester()
{
    const QString big = QString::fromUtf8(m_fx.scalar(QStringLiteral(
        "SELECT session_id FROM agentops.spans GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")));
    const TraceSnapshotPtr t = read([&](auto &tx) { return TraceLoader::fetch(tx, big); });
    QVERIFY(t->nodes.size() >= 1500);
    TraceTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshot(t);
    QCOMPARE(model.rowCount(), int(t->roots.size()));
    // Walk the whole tree through the model: every span reachable exactly once.
    int seen = 0;
    std::function<void(const QModelIndex &)> walk = [&](const QModelIndex &parent) {
        for (int r = 0; r < model.rowCount(parent); ++r) {
            const QModelIndex i = model.index(r, 0, parent);
            QCOMPARE(model.parent(i), parent);
            QCOMPARE(model.indexOfNode(model.nodeOf(i)), i);
            ++seen;
            walk(i);
        }
    };
    walk({});
    QCOMPARE(seen, int(t->nodes.size()));
    const QModelIndex first = model.index(0, TraceTreeModel::Waterfall);
    QCOMPARE(first.data(TraceTreeModel::WaterfallStartRole).toDouble(), 0.0);
    QVERIFY(first.data(TraceTreeModel::WaterfallWidthRole).toDouble() > 0.99);
    model.setSnapshot({}); // another session: reset, still consistent
    QCOMPARE(model.rowCount(), 0);
}

void TstTraceData::searchPagesByKeysetWithoutGapsOrRepeats()
{
    const QList<QByteArray> all
        = m_fx.scalar(QStringLiteral("SELECT session_id FROM agentops.sessions"
                                     " ORDER BY started_at DESC, session_id DESC"))
              .split('\n');
    QVERIFY(all.size() >= 10);
    TraceQuery q;
    q.pageSize = 7;
    TraceCursor after;
    QStringList got;
    int pages = 0;
    do {
        const TracePage page = read([&](auto &tx) { return TraceSearch::fetch(tx, q, after); });
        QVERIFY(page.badRows.isEmpty());
        QVERIFY(page.rows.size() <= 7);
        for (const SessionSummary &s : page.rows)
            got << s.sessionId;
        after = page.next;
        ++pages;
    } while (!after.isNull() && pages < 1000);
    QCOMPARE(got.size(), all.size());
    for (int i = 0; i < all.size(); ++i)
        QCOMPARE(got[i], QString::fromUtf8(all[i]));
    QVERIFY(pages >= 2);
}

void TstTraceData::searchFiltersMeanWhatTheySay()
{
    auto count = [&](const TraceQuery &q) {
        TraceQuery big = q;
        big.pageSize = 5000;
        return int(read([&](auto &tx) { return TraceSearch::fetch(tx, big, {}); }).rows.size());
    };
    auto sql = [&](const char *where) {
        return m_fx
            .scalar(QStringLiteral("SELECT count(*) FROM agentops.sessions WHERE ")
                    + QLatin1String(where))
            .toInt();
    };
    TraceQuery q;
    q.agent = QStringLiteral("support-agent");
    QCOMPARE(count(q), sql("agent = 'support-agent'"));
    QVERIFY(count(q) > 0);
    q = {};
    q.onlyWithRecovery = true;
    QCOMPARE(count(q), sql("had_recovery_events"));
    QVERIFY(count(q) > 0);
    q = {};
    q.outcome = SessionOutcome::Failed;
    QCOMPARE(count(q), sql("outcome = 'failed'"));
    q = {};
    q.minFillPct = 70;
    QCOMPARE(count(q), sql("max_fill_pct >= 70"));
    q = {};
    q.promptVersion = 1;
    QCOMPARE(count(q), sql("prompt_version = 1"));
    q = {};
    q.sessionId = QString::fromLatin1(TraceFixture::kEdgeSession);
    QCOMPARE(count(q), 1);
    q.sessionId = QStringLiteral("s-edge*");
    QCOMPARE(count(q), 1);
    q = {};
    q.fromMs = 1795000000000LL + 60000;
    QCOMPARE(count(q), sql("started_at >= to_timestamp(1795000060)"));
    q = {};
    q.toMs = 1795000000000LL + 60000;
    QCOMPARE(count(q), sql("started_at < to_timestamp(1795000060)"));
}

void TstTraceData::brokenJsonIsShownAsSuch()
{
    const SpanPayload p = read([](auto &tx) {
        return PayloadLoader::fetch(tx, QString::fromLatin1(TraceFixture::kBrokenSpan),
                                    QStringLiteral("agent-host-01"), 1795168801000LL,
                                    1795168801300LL);
    });
    QVERIFY(p.found);
    QVERIFY(p.input.json); // the input is fine
    QVERIFY(!p.output.json);
    QVERIFY2(p.output.jsonError.startsWith(QStringLiteral("not valid JSON")),
             qPrintable(p.output.jsonError));
    QCOMPARE(p.output.head, QStringLiteral("{\"reply\": \"trunc"));
    QCOMPARE(p.errorType, QStringLiteral("invalid_json"));
    QCOMPARE(p.processEvents.size(), 1); // the restart one minute later, same host
}

void TstTraceData::hugePayloadComesInParts()
{
    const QString id = QString::fromLatin1(TraceFixture::kHugeSpan);
    const SpanPayload p = read([&](auto &tx) { return PayloadLoader::fetch(tx, id, {}, 0, 0); });
    QCOMPARE(p.output.totalChars, qint64(TraceFixture::kHugeChars));
    QCOMPARE(p.output.head.size(), PayloadLoader::kHeadChars);
    QVERIFY(!p.output.complete());
    QVERIFY(!p.output.json && p.output.jsonError.isEmpty()); // text, not JSON-looking

    PgPool pool(PgConfig(m_fx.dsn()));
    QObject context;
    PayloadLoader loader(&pool, &context);
    QCryptographicHash md5(QCryptographicHash::Md5);
    md5.addData(p.output.head.toUtf8());
    qint64 received = p.output.head.size();
    int parts = 0;
    bool done = false;
    loader.fetchRest(id, PayloadLoader::Which::Output, received, p.output.totalChars,
                     [&](const PgStatus &s, qint64 offset, const QString &part, bool last) {
                         QVERIFY2(s.ok(), qPrintable(s.message));
                         QCOMPARE(offset, received);
                         QVERIFY(part.size() <= PayloadLoader::kChunkChars);
                         md5.addData(part.toUtf8());
                         received += part.size();
                         ++parts;
                         done = last;
                     });
    QTRY_VERIFY_WITH_TIMEOUT(done, 60000);
    QCOMPARE(received, qint64(TraceFixture::kHugeChars));
    QCOMPARE(
        parts,
        int((TraceFixture::kHugeChars - PayloadLoader::kHeadChars + PayloadLoader::kChunkChars - 1)
            / PayloadLoader::kChunkChars));
    QCOMPARE(
        md5.result().toHex(),
        m_fx.scalar(
            QStringLiteral("SELECT md5(output) FROM agentops.spans WHERE span_id = '%1'").arg(id)));
}

void TstTraceData::exportHoldsEverySpanAndParses()
{
    const QString big = QString::fromUtf8(m_fx.scalar(QStringLiteral(
        "SELECT session_id FROM agentops.recovery_events WHERE session_id <> 's-edge-0000-0000'"
        " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")));
    QTemporaryDir dir;
    ExportOptions o;
    o.sessionId = big;
    o.htmlPath = dir.filePath(QStringLiteral("r.html"));
    o.jsonPath = dir.filePath(QStringLiteral("r.json"));
    o.exportedBy = QStringLiteral("oncall-ana");
    const ExportResult r = exportNow(o);
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    const int spans = m_fx.scalar(QStringLiteral("SELECT count(*) FROM agentops.spans WHERE"
                                                 " session_id = '%1'")
                                      .arg(big))
                          .toInt();
    QCOMPARE(r.spans, spans);

    QFile jf(o.jsonPath);
    QVERIFY(jf.open(QIODevice::ReadOnly));
    const auto bundle = nlohmann::json::parse(jf.readAll().toStdString());
    QCOMPARE(int(bundle["spans"].size()), spans);
    QCOMPARE(QString::fromStdString(bundle["exported_by"].get<std::string>()), o.exportedBy);
    QVERIFY(!bundle["exported_at"].get<std::string>().empty());
    QVERIFY(bundle["recovery_events"].size() >= 1);
    QVERIFY(bundle["prompt_versions"].size() >= 1);
    QVERIFY(bundle["turns"].size() >= 1);
    QSet<QString> ids;
    for (const auto &s : bundle["spans"]) {
        ids.insert(QString::fromStdString(s["span_id"].get<std::string>()));
        QVERIFY(s.contains("input") && s.contains("output") && s.contains("attrs"));
    }
    QCOMPARE(ids.size(), spans);

    QFile hf(o.htmlPath);
    QVERIFY(hf.open(QIODevice::ReadOnly));
    const QByteArray html = hf.readAll();
    QVERIFY(html.startsWith("<!DOCTYPE html>"));
    QVERIFY(html.trimmed().endsWith("</html>"));
    QCOMPARE(int(html.count("<tr class=\"span\"")), spans);
    QCOMPARE(int(html.count("<details>")), spans + int(bundle["prompt_versions"].size()));
    for (const QString &id : std::as_const(ids))
        QVERIFY(html.contains(QByteArray(QByteArray("data-span-id=\"") + id.toUtf8() + '"')));
    // Self-contained: nothing fetched from elsewhere.
    QVERIFY(!html.contains("<link"));
    QVERIFY(!html.contains(" src="));
    QVERIFY(!html.contains("url("));
    // Balanced structure where the report opens and closes its own tags.
    QCOMPARE(html.count("<tr"), html.count("</tr>"));
    QCOMPARE(html.count("<table"), html.count("</table>"));
    QCOMPARE(html.count("<pre>"), html.count("</pre>"));
}

void TstTraceData::redactionRemovesThePattern()
{
    QTemporaryDir dir;
    ExportOptions o;
    o.sessionId = QString::fromLatin1(TraceFixture::kEdgeSession);
    o.htmlPath = dir.filePath(QStringLiteral("e.html"));
    o.jsonPath = dir.filePath(QStringLiteral("e.json"));
    o.exportedBy = QStringLiteral("oncall-ana");
    const QByteArray email(TraceFixture::kEmail);

    ExportResult plain = exportNow(o);
    QVERIFY(plain.error.isEmpty());
    QFile j0(o.jsonPath);
    QVERIFY(j0.open(QIODevice::ReadOnly));
    QVERIFY(j0.readAll().contains(email)); // the control: it is there without redaction
    j0.close();

    o.redactPatterns = {QStringLiteral("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}")};
    const ExportResult r = exportNow(o);
    QVERIFY(r.error.isEmpty());
    QCOMPARE(r.redactions, 3); // root input, tool input (JSON), recovery message
    for (const QString &f : {o.jsonPath, o.htmlPath}) {
        QFile file(f);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray all = file.readAll();
        QVERIFY2(!all.contains(email), qPrintable(f));
        QVERIFY(all.contains("[redacted]"));
    }
    QCOMPARE(r.spans, 4);
    // A 20 MB payload goes into both files whole.
    QVERIFY(r.jsonBytes > TraceFixture::kHugeChars);
    QVERIFY(r.htmlBytes > TraceFixture::kHugeChars);

    o.redactPatterns = {QStringLiteral("([unclosed")};
    const ExportResult bad = exportNow(o);
    QVERIFY(bad.error.contains(QStringLiteral("redaction pattern")));
}

void TstTraceData::auditIsRefusedForAViewer()
{
    QVERIFY(m_fx.pg.createLogin(QStringLiteral("viewer1"), QStringLiteral("pw"),
                                {QStringLiteral("agentops_viewer")}));
    ExportOptions o;
    o.sessionId = QString::fromLatin1(TraceFixture::kEdgeSession);
    o.exportedBy = QStringLiteral("oncall-ana");
    ExportResult r;
    r.spans = 4;
    QObject context;
    {
        PgPool viewer(
            PgConfig(m_fx.pg.loginDsn(QStringLiteral("viewer1"), QStringLiteral("pw"), m_fx.db)));
        std::optional<PgStatus> got;
        TraceExporter::audit(&viewer, &context, o, r, [&](const PgStatus &s) { got = s; });
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 10000);
        QVERIFY(!got->ok());
        QVERIFY2(got->message.contains(QStringLiteral("permission denied")),
                 qPrintable(got->message));
    }
    {
        // An operator has no INSERT on the audit log since migration 002: the row is written
        // through agentops.record_export, stamped with the operator's login.
        QVERIFY(m_fx.pg.createLogin(QStringLiteral("exporter1"), QStringLiteral("pw"),
                                    {QStringLiteral("agentops_operator")}));
        PgPool op(
            PgConfig(m_fx.pg.loginDsn(QStringLiteral("exporter1"), QStringLiteral("pw"), m_fx.db)));
        std::optional<PgStatus> got;
        TraceExporter::audit(&op, &context, o, r, [&](const PgStatus &s) { got = s; });
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 10000);
        QVERIFY2(got->ok(), qPrintable(got->message));
        QCOMPARE(m_fx.scalar(QStringLiteral("SELECT action || ' ' || target || ' ' || operator "
                                            "|| ' ' || db_role FROM agentops.operator_actions "
                                            "ORDER BY id DESC LIMIT 1")),
                 QByteArray("export session:s-edge-0000-0000 oncall-ana exporter1"));
    }
    PgPool owner(PgConfig(m_fx.dsn()));
    std::optional<PgStatus> got;
    TraceExporter::audit(&owner, &context, o, r, [&](const PgStatus &s) { got = s; });
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 10000);
    QVERIFY2(got->ok(), qPrintable(got->message));
    QCOMPARE(m_fx.scalar(QStringLiteral("SELECT action || ' ' || target || ' ' || operator || ' ' "
                                        "|| reason FROM agentops.operator_actions ORDER BY id "
                                        "DESC LIMIT 1")),
             QByteArray("export session:s-edge-0000-0000 oncall-ana post-mortem export"));
    // The operator's reason when one is given.
    o.reason = QStringLiteral("  ticket SUP-88  ");
    got.reset();
    TraceExporter::audit(&owner, &context, o, r, [&](const PgStatus &s) { got = s; });
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 10000);
    QVERIFY2(got->ok(), qPrintable(got->message));
    QCOMPARE(m_fx.scalar(QStringLiteral("SELECT reason FROM agentops.operator_actions ORDER BY id "
                                        "DESC LIMIT 1")),
             QByteArray("ticket SUP-88"));
}

void TstTraceData::nonFiniteAndHugeNumbersAreBadValues()
{
    // float8 accepts 'Infinity' and 'NaN' (CHECK >= 0 lets both by) and bigint holds
    // tokens that overflow a sum: none may reach an undefined cast or a wrapped total.
    m_fx.scalar(QStringLiteral(
        "INSERT INTO agentops.sessions (session_id, agent, started_at) VALUES "
        " ('s-inf', 'support-agent', '2026-11-20 11:00:00+00');"
        "INSERT INTO agentops.spans (span_id, trace_id, parent_id, session_id, turn, kind, name,"
        " agent, started_at, duration_ms, status, path, depth, input_tokens, output_tokens) VALUES"
        " ('inf-root', 't9', NULL, 's-inf', 0, 'turn', 'turn 0', 'support-agent',"
        "  '2026-11-20 11:00:00+00', 'Infinity', 'ok', 'a', 0, 9223372036854775807, 5),"
        " ('inf-nan', 't9', 'inf-root', 's-inf', 0, 'llm', 'chat', 'support-agent',"
        "  '2026-11-20 11:00:01+00', 'NaN', 'ok', 'a.b', 1, 9223372036854775807, 9)"));
    const TraceSnapshotPtr t
        = read([](auto &tx) { return TraceLoader::fetch(tx, QStringLiteral("s-inf")); });
    QCOMPARE(t->nodes.size(), 2);
    for (const TraceNode &n : t->nodes) {
        QVERIFY2(n.problem.contains(QStringLiteral("is not a finite number")),
                 qPrintable(n.problem));
        QCOMPARE(n.durationMs, 0.0);
        QCOMPARE(n.totalTokens(), std::numeric_limits<qint64>::max()); // saturated
    }
    const TraceNode &root = t->nodes[t->indexOf.value(QStringLiteral("inf-root"))];
    QCOMPARE(root.subtreeTokens, std::numeric_limits<qint64>::max());
    QVERIFY(t->endMs >= t->startMs && t->endMs - t->startMs < 10000);

    QTemporaryDir dir;
    ExportOptions o;
    o.sessionId = QStringLiteral("s-inf");
    o.htmlPath = dir.filePath(QStringLiteral("r.html"));
    o.jsonPath = dir.filePath(QStringLiteral("r.json"));
    o.exportedBy = QStringLiteral("oncall-ana");
    const ExportResult r = exportNow(o);
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QFile jf(o.jsonPath);
    QVERIFY(jf.open(QIODevice::ReadOnly));
    const auto bundle = nlohmann::json::parse(jf.readAll().toStdString());
    QCOMPARE(int(bundle["spans"].size()), 2);
    for (const auto &s : bundle["spans"])
        QVERIFY(s["duration_ms"].is_null()); // no JSON number for Infinity / NaN
}

// ---- Issue 17.4: exports fail closed ----------------------------------------------------

namespace {

constexpr const char *kSecret = "SECRET-7731";
constexpr const char *kSecretSession = "s-SECRET-7731";

int fileMode(const QString &path)
{
    struct stat st;
    if (::lstat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 07777);
}

QByteArray slurp(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A port nothing listens on (bound then released).
int deadPort()
{
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0))
        return 1;
    return s.serverPort();
}

struct Umask
{
    mode_t old;
    explicit Umask(mode_t m)
        : old(::umask(m))
    { }
    ~Umask() { ::umask(old); }
};

} // namespace

// The secret in every kind of place the issue lists: session id, agent, host, model, span
// names, error_type, JSON member names (nested), values, recovery and process events.
void TstTraceData::seedSecretSession()
{
    if (m_fx.scalar(QStringLiteral("SELECT count(*) FROM agentops.sessions WHERE session_id = '%1'")
                        .arg(QLatin1String(kSecretSession)))
        == "1")
        return;
    bool ok = false;
    m_fx.pg.psql(
        m_fx.db,
        QStringLiteral(
            "INSERT INTO agentops.sessions (session_id, agent, layer, channel, host, started_at,"
            " model) VALUES ('s-SECRET-7731', 'agent-SECRET-7731', 'l', 'chat',"
            " 'host-SECRET-7731', '2026-11-21 10:00:00+00', 'model-SECRET-7731');"
            "INSERT INTO agentops.spans (span_id, trace_id, parent_id, session_id, turn, kind,"
            " name, agent, host, model, started_at, duration_ms, status, error, error_type,"
            " path, depth, attrs, input, output) VALUES"
            " ('sp-SECRET-7731-root', 'tr-SECRET-7731', NULL, 's-SECRET-7731', 0, 'turn',"
            "  'turn SECRET-7731', 'agent-SECRET-7731', 'host-SECRET-7731', 'model-SECRET-7731',"
            "  '2026-11-21 10:00:00+00', 1000, 'error', 'boom SECRET-7731', 'Err_SECRET-7731',"
            "  '20261121T100000000Zsp-SECRET-7731-root', 0,"
            "  '{\"key SECRET-7731\": {\"nested SECRET-7731\": [\"v SECRET-7731\"]}, \"plain\": "
            "1}',"
            "  'hello SECRET-7731 from host-SECRET-7731', 'bye'),"
            " ('sp-SECRET-7731-tool', 'tr-SECRET-7731', 'sp-SECRET-7731-root', 's-SECRET-7731',"
            "  0, 'tool', 'tool SECRET-7731', 'agent-SECRET-7731', 'host-SECRET-7731', NULL,"
            "  '2026-11-21 10:00:00.1+00', 200, 'ok', NULL, NULL,"
            "  '20261121T100000000Zsp-SECRET-7731-root.20261121T100000100Zsp-SECRET-7731-tool', 1,"
            "  '{\"host\": \"host-SECRET-7731\"}', NULL, NULL);"
            "INSERT INTO agentops.recovery_events (at, session_id, agent, host, kind, recoverable,"
            " strategy, outcome, attempt, trace_id, span_id, message, detail, stream_id) VALUES"
            " ('2026-11-21 10:00:00.5+00', 's-SECRET-7731', 'agent-SECRET-7731',"
            "  'host-SECRET-7731', 'tool_error', true, 'retry', 'recovered', 1,"
            "  'tr-SECRET-7731', 'sp-SECRET-7731-tool', 'retrying SECRET-7731',"
            "  '{\"SECRET-7731\": \"x\"}', '1763719200500-0');"
            "INSERT INTO agentops.process_events (at, host, app, pm_id, event, detail) VALUES"
            " ('2026-11-21 10:00:01+00', 'host-SECRET-7731', 'app-SECRET-7731', 3, 'restart',"
            "  '{\"reason SECRET-7731\": 1}');"),
        &ok);
    QVERIFY2(ok, qPrintable(m_fx.pg.error()));
}

void TstTraceData::auditRowFirstNothingWrittenWithoutIt()
{
    QVERIFY(m_fx.pg.createLogin(QStringLiteral("viewer_fc"), QStringLiteral("pw"),
                                {QStringLiteral("agentops_viewer")}));
    const QString viewer
        = m_fx.pg.loginDsn(QStringLiteral("viewer_fc"), QStringLiteral("pw"), m_fx.db);
    const QString down = QStringLiteral("host=127.0.0.1 port=%1 user=postgres dbname=%2 "
                                        "connect_timeout=3")
                             .arg(deadPort())
                             .arg(m_fx.db);
    const QString count = QStringLiteral("SELECT count(*) FROM agentops.operator_actions");
    for (const QString &writeDsn : {viewer, down}) {
        QTemporaryDir dir;
        ExportOptions o;
        o.sessionId = QString::fromLatin1(TraceFixture::kEdgeSession);
        o.htmlPath = dir.filePath(QStringLiteral("r.html"));
        o.jsonPath = dir.filePath(QStringLiteral("r.json"));
        o.exportedBy = QStringLiteral("oncall-ana");
        const QByteArray before = m_fx.scalar(count);
        const ExportResult r = TraceExporter::run(m_fx.dsn(), writeDsn, o, QStringLiteral("h"));
        QCOMPARE(int(r.stage), int(ExportResult::Stage::Audit));
        QCOMPARE(r.auditId, qint64(0));
        QVERIFY2(r.error.contains(QStringLiteral("audit row could not be written")),
                 qPrintable(r.error));
        if (writeDsn == viewer)
            QVERIFY2(r.error.contains(QStringLiteral("permission denied")), qPrintable(r.error));
        // Nothing at all in the directory: no file, no temporary.
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList());
        QCOMPARE(m_fx.scalar(count), before);
    }

    // With the right: the row is there, committed, and describes the bytes written.
    QTemporaryDir dir;
    ExportOptions o;
    o.sessionId = QString::fromLatin1(TraceFixture::kEdgeSession);
    o.jsonPath = dir.filePath(QStringLiteral("r.json"));
    o.exportedBy = QStringLiteral("oncall-ana");
    const ExportResult r = exportNow(o);
    QCOMPARE(int(r.stage), int(ExportResult::Stage::Written));
    QVERIFY(r.auditId > 0);
    const QByteArray bytes = slurp(o.jsonPath);
    QCOMPARE(
        m_fx.scalar(QStringLiteral("SELECT (params->>'spans') || ' ' || (params->>'json_bytes')"
                                   " || ' ' || (params->>'json_sha256') FROM "
                                   "agentops.operator_actions WHERE id = %1")
                        .arg(r.auditId)),
        QByteArray::number(r.spans) + ' ' + QByteArray::number(bytes.size()) + ' '
            + QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
    QCOMPARE(r.spans, 4);
}

void TstTraceData::aFailedFileRemovesTheWholeExport()
{
    QTemporaryDir dir;
    ExportOptions o;
    o.sessionId = QString::fromLatin1(TraceFixture::kEdgeSession);
    o.jsonPath = dir.filePath(QStringLiteral("r.json")); // written first
    o.htmlPath = dir.filePath(QStringLiteral("missing/r.html")); // cannot be created
    o.exportedBy = QStringLiteral("oncall-ana");
    const ExportResult r = exportNow(o);
    QCOMPARE(int(r.stage), int(ExportResult::Stage::Files));
    QVERIFY2(r.error.contains(QStringLiteral("missing")), qPrintable(r.error));
    QVERIFY(r.auditId > 0); // the truth: audited, then the files failed
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList());

    // An export with no audit id is refused by the writer itself.
    PreparedExport unaudited;
    unaudited.json = "{}";
    ExportResult w;
    o.htmlPath.clear();
    QVERIFY(!TraceExporter::writeFiles(o, unaudited, &w));
    QVERIFY(!QFile::exists(o.jsonPath));
}

void TstTraceData::filesAre0600AndASymlinkIsNotFollowed()
{
    const Umask umask022(022);
    QTemporaryDir dir;
    const QString victim = dir.filePath(QStringLiteral("victim.txt"));
    {
        QFile v(victim);
        QVERIFY(v.open(QIODevice::WriteOnly));
        v.write("victim");
    }
    ExportOptions o;
    o.sessionId = QString::fromLatin1(TraceFixture::kEdgeSession);
    o.htmlPath = dir.filePath(QStringLiteral("r.html"));
    o.jsonPath = dir.filePath(QStringLiteral("r.json"));
    o.exportedBy = QStringLiteral("oncall-ana");
    QVERIFY(QFile::link(victim, o.jsonPath)); // planted at the target path
    const ExportResult r = exportNow(o);
    QVERIFY2(r.stage == ExportResult::Stage::Written, qPrintable(r.error));
    QCOMPARE(fileMode(o.htmlPath), 0600);
    QCOMPARE(fileMode(o.jsonPath), 0600);
    QVERIFY(!QFileInfo(o.jsonPath).isSymLink());
    QCOMPARE(slurp(victim), QByteArray("victim"));
    QVERIFY(slurp(o.jsonPath).startsWith('{'));
    // No temporary left next to them.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
             QStringList({QStringLiteral("r.html"), QStringLiteral("r.json"),
                          QStringLiteral("victim.txt")}));
}

void TstTraceData::redactionCoversEveryString()
{
    seedSecretSession();
    QTemporaryDir dir;
    ExportOptions o;
    o.sessionId = QString::fromLatin1(kSecretSession);
    o.htmlPath = dir.filePath(QStringLiteral("r.html"));
    o.jsonPath = dir.filePath(QStringLiteral("r.json"));
    o.exportedBy = QStringLiteral("oncall-ana");

    // The control: without a pattern the secret is in both files.
    ExportResult r = exportNow(o);
    QVERIFY2(r.stage == ExportResult::Stage::Written, qPrintable(r.error));
    QVERIFY(slurp(o.jsonPath).contains(kSecret));
    QVERIFY(slurp(o.htmlPath).contains(kSecret));

    o.redactPatterns = {QStringLiteral("SECRET-7731")};
    r = exportNow(o);
    QVERIFY2(r.stage == ExportResult::Stage::Written, qPrintable(r.error));
    const QByteArray json = slurp(o.jsonPath);
    const QByteArray html = slurp(o.htmlPath);
    // Nowhere: not in a key, a name, an id, the session row, nor the pattern list.
    QVERIFY2(!json.contains(kSecret), json.constData());
    QVERIFY(!html.contains(kSecret));
    QVERIFY(html.contains("[redacted]"));
    const auto bundle = nlohmann::json::parse(json.toStdString());
    QCOMPARE(int(bundle["spans"].size()), 2); // still loadable, nothing lost
    QCOMPARE(bundle["redaction"]["replacements"].get<qint64>(), r.redactions);
    QCOMPARE(bundle["redaction"]["pattern_count"].get<int>(), 1);
    QCOMPARE(QString::fromStdString(bundle["session_id"].get<std::string>()),
             QStringLiteral("s-[redacted]"));
    QCOMPARE(QString::fromStdString(bundle["session"]["host"].get<std::string>()),
             QStringLiteral("host-[redacted]"));
    const auto &root = bundle["spans"][0];
    QCOMPARE(QString::fromStdString(root["error_type"].get<std::string>()),
             QStringLiteral("Err_[redacted]"));
    QCOMPARE(QString::fromStdString(root["model"].get<std::string>()),
             QStringLiteral("model-[redacted]"));
    QVERIFY(root["attrs"].contains("key [redacted]"));
    QVERIFY(root["attrs"]["key [redacted]"].contains("nested [redacted]"));
    QCOMPARE(root["attrs"]["plain"].get<int>(), 1);
    QVERIFY(bundle["recovery_events"][0]["detail"].contains("[redacted]"));
    QVERIFY(bundle["process_events"][0]["detail"].contains("reason [redacted]"));
    // Every place seeded: session row 4, bundle session_id 1, root span 14 (input twice),
    // tool span 9 (path twice), turns 2, recovery event 7, process event 3.
    QCOMPARE(r.redactions, qint64(40));
}

void TstTraceData::redactIdsPseudonymisesConsistently()
{
    seedSecretSession();
    QTemporaryDir dir;
    ExportOptions o;
    o.sessionId = QString::fromLatin1(kSecretSession);
    o.htmlPath = dir.filePath(QStringLiteral("r.html"));
    o.jsonPath = dir.filePath(QStringLiteral("r.json"));
    o.exportedBy = QStringLiteral("oncall-ana");
    o.exportedAtMs = 1763719300000;
    o.redactIds = true;
    const ExportResult r = exportNow(o);
    QVERIFY2(r.stage == ExportResult::Stage::Written, qPrintable(r.error));
    const QByteArray json = slurp(o.jsonPath);
    const QByteArray html = slurp(o.htmlPath);
    for (const char *id :
         {"s-SECRET-7731", "sp-SECRET-7731-root", "sp-SECRET-7731-tool", "tr-SECRET-7731",
          "host-SECRET-7731", "agent-SECRET-7731", "app-SECRET-7731", "oncall-ana"}) {
        QVERIFY2(!json.contains(id), id);
        QVERIFY2(!html.contains(id), id);
    }
    const auto b = nlohmann::json::parse(json.toStdString());
    auto str = [](const nlohmann::json &j) {
        return QString::fromStdString(j.get<std::string>());
    };
    const QRegularExpression pseudonym(
        QStringLiteral("^(session|trace|span|host|agent|app|operator)-[0-9]+$"));
    const auto &root = b["spans"][0];
    const auto &tool = b["spans"][1];
    QCOMPARE(str(b["session_id"]), QStringLiteral("session-1"));
    QCOMPARE(str(b["session"]["session_id"]), QStringLiteral("session-1"));
    QCOMPARE(str(b["exported_by"]), QStringLiteral("operator-1"));
    for (const QString &v :
         {str(root["span_id"]), str(tool["span_id"]), str(root["trace_id"]), str(root["host"]),
          str(root["agent"]), str(b["exported_from"]), str(b["process_events"][0]["app"])})
        QVERIFY2(pseudonym.match(v).hasMatch(), qPrintable(v));
    QVERIFY(str(root["span_id"]) != str(tool["span_id"]));
    // The tree and the cross references hold.
    QVERIFY(root["parent_id"].is_null());
    QCOMPARE(str(tool["parent_id"]), str(root["span_id"]));
    QCOMPARE(str(b["turns"][0]["span_id"]), str(root["span_id"]));
    QCOMPARE(str(b["recovery_events"][0]["span_id"]), str(tool["span_id"]));
    QCOMPARE(str(b["recovery_events"][0]["trace_id"]), str(tool["trace_id"]));
    QCOMPARE(str(b["recovery_events"][0]["session_id"]), QStringLiteral("session-1"));
    QCOMPARE(str(tool["trace_id"]), str(root["trace_id"]));
    // One host, one pseudonym: session row, spans, events, free-form attrs, free text.
    const QString host = str(root["host"]);
    QCOMPARE(str(b["session"]["host"]), host);
    QCOMPARE(str(tool["host"]), host);
    QCOMPARE(str(b["recovery_events"][0]["host"]), host);
    QCOMPARE(str(b["process_events"][0]["host"]), host);
    QCOMPARE(str(tool["attrs"]["host"]), host);
    QCOMPARE(str(root["input"]), QStringLiteral("hello SECRET-7731 from ") + host);
    QCOMPARE(str(b["session"]["agent"]), str(root["agent"]));
    // The path keeps its order stamps, with the span pseudonyms in it.
    QCOMPARE(str(root["path"]), QStringLiteral("20261121T100000000Z") + str(root["span_id"]));
    QCOMPARE(str(tool["path"]),
             str(root["path"]) + QStringLiteral(".20261121T100000100Z") + str(tool["span_id"]));
    QCOMPARE(str(b["redaction"]["ids"]), QStringLiteral("pseudonyms"));
    QVERIFY(r.pseudonyms >= 8);
    const QByteArray rowId = QByteArray("data-span-id=\"")
        + QByteArray::fromStdString(root["span_id"].get<std::string>()) + '"';
    QVERIFY(html.contains(rowId));
    // Stable: the same export again gives the same bytes.
    QVERIFY(exportNow(o).stage == ExportResult::Stage::Written);
    QCOMPARE(slurp(o.jsonPath), json);
}

void TstTraceData::htmlCspAllowsOnlyTheHashedScriptAndStyle()
{
    seedSecretSession();
    QTemporaryDir dir;
    ExportOptions o;
    o.sessionId = QString::fromLatin1(kSecretSession);
    o.htmlPath = dir.filePath(QStringLiteral("r.html"));
    o.exportedBy = QStringLiteral("oncall-ana");
    QVERIFY(exportNow(o).stage == ExportResult::Stage::Written);
    const QString html = QString::fromUtf8(slurp(o.htmlPath));
    const QRegularExpressionMatch meta
        = QRegularExpression(
              QStringLiteral("<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\">"))
              .match(html);
    QVERIFY(meta.hasMatch());
    QHash<QString, QStringList> csp;
    for (const QString &d : meta.captured(1).split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        QStringList words = d.simplified().split(QLatin1Char(' '));
        const QString name = words.takeFirst();
        csp.insert(name, words);
    }
    QCOMPARE(csp.value(QStringLiteral("default-src")), QStringList({QStringLiteral("'none'")}));
    auto inner = [&](const QString &tag) {
        const QRegularExpression re(QStringLiteral("<%1>(.*)</%1>").arg(tag),
                                    QRegularExpression::DotMatchesEverythingOption
                                        | QRegularExpression::InvertedGreedinessOption);
        return re.match(html).captured(1);
    };
    for (const auto &[directive, tag] :
         {std::pair {QStringLiteral("script-src"), QStringLiteral("script")},
          std::pair {QStringLiteral("style-src"), QStringLiteral("style")}}) {
        QCOMPARE(int(html.count(QStringLiteral("<") + tag)), 1);
        const QStringList sources = csp.value(directive);
        QVERIFY2(!sources.isEmpty(), qPrintable(directive));
        QVERIFY2(!sources.contains(QStringLiteral("'unsafe-inline'")), qPrintable(directive));
        QVERIFY(!sources.contains(QStringLiteral("'unsafe-hashes'")));
        const QByteArray hash
            = QCryptographicHash::hash(inner(tag).toUtf8(), QCryptographicHash::Sha256).toBase64();
        QCOMPARE(sources, QStringList({QStringLiteral("'sha256-%1'").arg(QLatin1String(hash))}));
    }
    // Hashes do not cover inline handlers or style attributes: there must be none.
    QVERIFY(!html.contains(QRegularExpression(QStringLiteral("<[^>]*\\son[a-z]+\\s*="))));
    QVERIFY(!html.contains(QRegularExpression(QStringLiteral("<[^>]*\\sstyle\\s*="))));
}

void TstTraceData::guiPathAuditsFirstToo()
{
    QVERIFY(m_fx.pg.createLogin(QStringLiteral("viewer_gui"), QStringLiteral("pw"),
                                {QStringLiteral("agentops_viewer")}));
    const Umask umask022(022);
    QObject context;
    for (const bool allowed : {false, true}) {
        QTemporaryDir dir;
        ExportOptions o;
        o.sessionId = QString::fromLatin1(TraceFixture::kEdgeSession);
        o.htmlPath = dir.filePath(QStringLiteral("r.html"));
        o.jsonPath = dir.filePath(QStringLiteral("r.json"));
        o.exportedBy = QStringLiteral("oncall-ana");
        PgPool pool(PgConfig(allowed ? m_fx.dsn()
                                     : m_fx.pg.loginDsn(QStringLiteral("viewer_gui"),
                                                        QStringLiteral("pw"), m_fx.db)));
        std::optional<ExportResult> got;
        TraceExporter::start(&pool, &context, o,
                             [&](const PgStatus &, const ExportResult &r) { got = r; });
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 60000);
        if (!allowed) {
            QCOMPARE(int(got->stage), int(ExportResult::Stage::Audit));
            QVERIFY2(got->error.contains(QStringLiteral("permission denied")),
                     qPrintable(got->error));
            QCOMPARE(
                QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                QStringList());
        } else {
            QVERIFY2(got->stage == ExportResult::Stage::Written, qPrintable(got->error));
            QVERIFY(got->auditId > 0);
            QCOMPARE(fileMode(o.htmlPath), 0600);
            QCOMPARE(fileMode(o.jsonPath), 0600);
            QCOMPARE(
                m_fx.scalar(QStringLiteral("SELECT params->>'html_sha256' FROM "
                                           "agentops.operator_actions WHERE id = %1")
                                .arg(got->auditId)),
                QCryptographicHash::hash(slurp(o.htmlPath), QCryptographicHash::Sha256).toHex());
        }
    }
}

QTEST_GUILESS_MAIN(TstTraceData)
#include "tst_trace_data.moc"
