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
#include <QFile>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <limits>
#include <pqxx/pqxx>

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

private:
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
    const ExportResult r = read([&](auto &tx) { return TraceExporter::run(tx, o); });
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

    ExportResult plain = read([&](auto &tx) { return TraceExporter::run(tx, o); });
    QVERIFY(plain.error.isEmpty());
    QFile j0(o.jsonPath);
    QVERIFY(j0.open(QIODevice::ReadOnly));
    QVERIFY(j0.readAll().contains(email)); // the control: it is there without redaction
    j0.close();

    o.redactPatterns = {QStringLiteral("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}")};
    const ExportResult r = read([&](auto &tx) { return TraceExporter::run(tx, o); });
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
    const ExportResult bad = read([&](auto &tx) { return TraceExporter::run(tx, o); });
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
    const ExportResult r = read([&](auto &tx) { return TraceExporter::run(tx, o); });
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QFile jf(o.jsonPath);
    QVERIFY(jf.open(QIODevice::ReadOnly));
    const auto bundle = nlohmann::json::parse(jf.readAll().toStdString());
    QCOMPARE(int(bundle["spans"].size()), 2);
    for (const auto &s : bundle["spans"])
        QVERIFY(s["duration_ms"].is_null()); // no JSON number for Infinity / NaN
}

QTEST_GUILESS_MAIN(TstTraceData)
#include "tst_trace_data.moc"
