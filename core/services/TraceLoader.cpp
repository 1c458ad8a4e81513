#include "core/services/TraceLoader.h"

#include "core/util/SafeMath.h"

#include <QElapsedTimer>

#include <pqxx/pqxx>

namespace switchboard {

namespace {

QString text(const pqxx::field &f)
{
    return f.is_null() ? QString() : QString::fromUtf8(f.c_str(), int(f.size()));
}

qint64 integer(const pqxx::field &f)
{
    return f.is_null() ? -1 : std::strtoll(f.c_str(), nullptr, 10);
}

SpanKind kindOf(const char *s)
{
    static const struct
    {
        const char *text;
        SpanKind kind;
    } kinds[] = {{"turn", SpanKind::Turn},
                 {"prompt", SpanKind::Prompt},
                 {"llm", SpanKind::Llm},
                 {"tool", SpanKind::Tool},
                 {"retrieval", SpanKind::Retrieval},
                 {"summarize", SpanKind::Summarize},
                 {"retry", SpanKind::Retry},
                 {"output", SpanKind::Output}};
    for (const auto &k : kinds) {
        if (std::strcmp(k.text, s) == 0)
            return k.kind;
    }
    return SpanKind::Turn;
}

SpanStatus statusOf(const char *s)
{
    if (std::strcmp(s, "error") == 0)
        return SpanStatus::Error;
    if (std::strcmp(s, "cancelled") == 0)
        return SpanStatus::Cancelled;
    return SpanStatus::Ok;
}

} // namespace

TraceLoader::TraceLoader(PgPool *pool, QObject *context)
    : m_tracker(pool, context)
{ }

QString TraceLoader::treeSql()
{
    // Epoch ms computed by the server: no timestamp text to parse per row.
    return QStringLiteral(
        "SELECT span_id, parent_id, kind, name, model, host, prompt_version, turn,"
        " floor(extract(epoch FROM started_at) * 1000)::int8, duration_ms,"
        " floor(extract(epoch FROM first_token_at) * 1000)::int8,"
        " input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, status,"
        " error_type, left(error, 500), input_bytes, output_bytes"
        " FROM agentops.spans WHERE session_id = $1 ORDER BY path COLLATE \"C\"");
}

TraceSnapshotPtr TraceLoader::fetch(pqxx::transaction_base &tx, const QString &sessionId)
{
    auto trace = std::make_shared<TraceSnapshot>();
    trace->sessionId = sessionId;
    QElapsedTimer clock;
    clock.start();
    const pqxx::result rows = tx.exec_params(treeSql().toStdString(), sessionId.toStdString());
    const pqxx::result events = tx.exec_params(
        "SELECT id, floor(extract(epoch FROM at) * 1000)::int8, session_id, agent, host, kind,"
        " recoverable, strategy, outcome, attempt, trace_id, span_id, left(message, 2000),"
        " detail::text, stream_id FROM agentops.recovery_events WHERE session_id = $1"
        " ORDER BY at, id LIMIT 10000",
        sessionId.toStdString());
    const pqxx::result agent = tx.exec_params(
        "SELECT agent FROM agentops.spans WHERE session_id = $1 LIMIT 1", sessionId.toStdString());
    if (!agent.empty())
        trace->agent = text(agent[0][0]);
    trace->fetchMs = clock.restart();

    trace->nodes.reserve(int(rows.size()));
    trace->indexOf.reserve(int(rows.size()));
    for (const auto &r : rows) {
        TraceNode n;
        n.spanId = text(r[0]);
        n.parentId = text(r[1]);
        n.kind = kindOf(r[2].c_str());
        n.name = text(r[3]);
        n.model = text(r[4]);
        n.host = text(r[5]);
        n.promptVersion = int(integer(r[6]));
        n.turn = int(integer(r[7]));
        n.startedAt = integer(r[8]);
        n.durationMs = r[9].is_null() ? 0 : std::strtod(r[9].c_str(), nullptr);
        if (!safe::isFiniteNonNegative(n.durationMs)) {
            // Postgres' float8 takes 'Infinity' and 'NaN' (the CHECK >= 0 lets both by).
            n.valueProblem = QStringLiteral("duration_ms = '%1' is not a finite number")
                                 .arg(QString::fromLatin1(r[9].c_str()).left(40));
            n.durationMs = 0;
        }
        n.firstTokenAt = integer(r[10]);
        n.inputTokens = integer(r[11]);
        n.outputTokens = integer(r[12]);
        n.cacheReadTokens = integer(r[13]);
        n.cacheWriteTokens = integer(r[14]);
        n.status = statusOf(r[15].c_str());
        n.errorType = text(r[16]);
        n.error = text(r[17]);
        n.inputBytes = integer(r[18]);
        n.outputBytes = integer(r[19]);
        trace->nodes.append(std::move(n));
    }

    static const char *const eventColumns[]
        = {"id",       "at",          "session_id", "agent",   "host",
           "kind",     "recoverable", "strategy",   "outcome", "attempt",
           "trace_id", "span_id",     "message",    "detail",  "stream_id"};
    for (const auto &r : events) {
        RecordFields fields;
        for (int c = 0; c < 15; ++c) {
            if (r[c].is_null()) {
                fields.setNull(eventColumns[c]);
            } else if (c == 6) {
                fields.set(eventColumns[c], QByteArray(r[c].c_str()[0] == 't' ? "1" : "0"));
            } else {
                fields.set(eventColumns[c], QByteArray(r[c].c_str(), int(r[c].size())));
            }
        }
        const Parsed<RecoveryEvent> parsed = RecoveryEvent::parse(fields);
        if (parsed.isOk())
            trace->recoveryEvents.append(parsed.value());
    }
    build(*trace);
    trace->buildMs = clock.elapsed();
    return trace;
}

void TraceLoader::build(TraceSnapshot &trace)
{
    QVector<TraceNode> &nodes = trace.nodes;
    trace.roots.clear();
    trace.indexOf.clear();
    trace.orphans = 0;
    trace.errorSpans = 0;
    trace.startMs = nodes.isEmpty() ? 0 : nodes.front().startedAt;
    trace.endMs = trace.startMs;
    for (int i = 0; i < nodes.size(); ++i) {
        TraceNode &n = nodes[i];
        n.children.clear();
        n.problem = n.valueProblem;
        trace.indexOf.insert(n.spanId, i);
        int parent = -1;
        if (!n.parentId.isEmpty()) {
            parent = trace.indexOf.value(n.parentId, -1);
            if (parent < 0 || parent == i) {
                n.problem = QStringLiteral("parent %1 is not in this session").arg(n.parentId);
                ++trace.orphans;
                parent = -1;
            }
        }
        n.parent = parent;
        if (parent < 0) {
            n.row = int(trace.roots.size());
            n.root = i;
            n.depth = 0;
            trace.roots.append(i);
        } else {
            TraceNode &p = nodes[parent];
            n.row = int(p.children.size());
            n.root = p.root;
            n.depth = p.depth + 1;
            p.children.append(i);
        }
        n.subtreeTokens = n.totalTokens();
        n.subtreeCacheTokens = (n.cacheReadTokens > 0 ? n.cacheReadTokens : 0);
        n.subtreeErrors = n.status == SpanStatus::Error ? 1 : 0;
        n.subtreeSpans = 1;
        trace.errorSpans += n.subtreeErrors;
        trace.startMs = std::min(trace.startMs, n.startedAt);
        trace.endMs = std::max(trace.endMs, safe::add(n.startedAt, safe::toInt64(n.durationMs)));
    }
    // Parents precede children, so one backwards pass adds every subtree into its parent.
    for (int i = int(nodes.size()) - 1; i >= 0; --i) {
        const TraceNode &n = nodes[i];
        if (n.parent < 0)
            continue;
        TraceNode &p = nodes[n.parent];
        p.subtreeTokens = safe::add(p.subtreeTokens, n.subtreeTokens);
        p.subtreeCacheTokens = safe::add(p.subtreeCacheTokens, n.subtreeCacheTokens);
        p.subtreeErrors += n.subtreeErrors;
        p.subtreeSpans += n.subtreeSpans;
    }
    for (const RecoveryEvent &e : std::as_const(trace.recoveryEvents)) {
        const int at = trace.indexOf.value(e.spanId, -1);
        if (at >= 0)
            ++nodes[at].recoveryEvents;
    }
}

void TraceLoader::load(const QString &sessionId, Callback done)
{
    PgJobSpec spec;
    spec.target = PgTarget::Replica;
    spec.readOnly = true;
    spec.label = QStringLiteral("trace %1").arg(sessionId);
    // A 100 000-span tree takes seconds on a busy server; the operator opened it on
    // purpose and would rather wait than retry, so this read gets more than the default
    // 5 s, still bounded.
    spec.timeoutMs = 30000;
    m_tracker.start(
        spec, [sessionId](pqxx::transaction_base &tx) { return fetch(tx, sessionId); },
        [done = std::move(done)](PgResult<TraceSnapshotPtr> result) {
            done(result.status, result.value);
        });
}

} // namespace switchboard
