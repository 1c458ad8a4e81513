#include "core/services/TraceExporter.h"

#include "core/services/ExportHtml.h"
#include "core/util/SafeMath.h"

#include <QDateTime>
#include <QFile>
#include <QHostInfo>
#include <QSaveFile>

#include <cmath>
#include <limits>
#include <pqxx/pqxx>
#include <set>

namespace switchboard {

namespace {

using nlohmann::json;

struct Redactor
{
    const QVector<QRegularExpression> &patterns;
    qint64 count = 0;

    std::string text(const pqxx::field &f)
    {
        if (f.is_null())
            return {};
        if (patterns.isEmpty())
            return std::string(f.c_str(), f.size());
        QString s = QString::fromUtf8(f.c_str(), int(f.size()));
        apply(s);
        return s.toStdString();
    }
    void apply(QString &s)
    {
        for (const QRegularExpression &re : patterns) {
            qint64 n = 0;
            for (auto it = re.globalMatch(s); it.hasNext(); it.next())
                ++n;
            if (n) {
                s.replace(re, QStringLiteral("[redacted]"));
                count += n;
            }
        }
    }
    void walk(json &j)
    {
        if (j.is_string()) {
            QString s = QString::fromStdString(j.get<std::string>());
            const qint64 before = count;
            apply(s);
            if (count != before)
                j = s.toStdString();
        } else if (j.is_structured()) {
            for (auto &v : j)
                walk(v);
        }
    }
};

json value(const pqxx::field &f)
{
    return f.is_null() ? json() : json(std::string(f.c_str(), f.size()));
}

json number(const pqxx::field &f)
{
    if (f.is_null())
        return json();
    // 'Infinity' and 'NaN' are valid float8: a bad value, exported as null (JSON has no
    // such numbers), never cast.
    const double v = std::strtod(f.c_str(), nullptr);
    return std::isfinite(v) ? json(v) : json();
}

json integer(const pqxx::field &f)
{
    if (f.is_null())
        return json();
    return json(static_cast<std::int64_t>(std::strtoll(f.c_str(), nullptr, 10)));
}

json jsonColumn(const pqxx::field &f, Redactor &r)
{
    if (f.is_null())
        return json();
    json j = json::parse(std::string(f.c_str(), f.size()), nullptr, false);
    if (j.is_discarded())
        return json(r.text(f)); // jsonb always parses; kept safe anyway
    r.walk(j);
    return j;
}

// Row → object, columns typed by their name.
json rowObject(const pqxx::row &row, Redactor &r, const std::vector<std::string> &ints,
               const std::vector<std::string> &floats, const std::vector<std::string> &jsons,
               const std::vector<std::string> &redacted)
{
    json o = json::object();
    auto in = [](const std::vector<std::string> &v, const std::string &s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    };
    for (const auto &f : row) {
        const std::string name = f.name();
        if (in(ints, name))
            o[name] = integer(f);
        else if (in(floats, name))
            o[name] = number(f);
        else if (in(jsons, name))
            o[name] = jsonColumn(f, r);
        else if (f.is_null())
            o[name] = json();
        else if (in(redacted, name))
            o[name] = r.text(f);
        else if (f.type() == 16) // bool
            o[name] = f.c_str()[0] == 't';
        else
            o[name] = value(f);
    }
    return o;
}

std::string iso(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs).toStdString();
}

} // namespace

bool TraceExporter::compile(const QStringList &patterns, QVector<QRegularExpression> *out,
                            QString *error)
{
    out->clear();
    for (const QString &p : patterns) {
        QRegularExpression re(p);
        if (!re.isValid()) {
            *error = QStringLiteral("redaction pattern %1: %2").arg(p, re.errorString());
            return false;
        }
        out->append(re);
    }
    return true;
}

qint64 TraceExporter::redact(json &value, const QVector<QRegularExpression> &patterns)
{
    Redactor r {patterns};
    r.walk(value);
    return r.count;
}

json TraceExporter::collect(pqxx::transaction_base &tx, const ExportOptions &options,
                            const QVector<QRegularExpression> &redact, qint64 *redactions)
{
    Redactor r {redact};
    const std::string sid = options.sessionId.toStdString();
    const qint64 exportedAt
        = options.exportedAtMs ? options.exportedAtMs : QDateTime::currentMSecsSinceEpoch();
    json bundle = json::object();
    bundle["format"] = "switchboard-trace-bundle/1";
    bundle["session_id"] = sid;
    bundle["exported_by"] = options.exportedBy.toStdString();
    bundle["exported_at"] = iso(exportedAt);
    bundle["exported_from"] = QHostInfo::localHostName().toStdString();
    json patterns = json::array();
    for (const QString &p : options.redactPatterns)
        patterns.push_back(p.toStdString());
    bundle["redaction"] = {{"patterns", patterns}};

    const pqxx::result session = tx.exec_params(
        "SELECT session_id, agent, layer, channel, host, started_at, ended_at, turns, outcome,"
        " max_fill_pct, had_recovery_events, recovery_event_count, prompt_version, model"
        " FROM agentops.sessions WHERE session_id = $1",
        sid);
    bundle["session"] = session.empty()
        ? json()
        : rowObject(session[0], r, {"turns", "recovery_event_count", "prompt_version"},
                    {"max_fill_pct"}, {}, {});

    const pqxx::result spans = tx.exec_params(
        "SELECT span_id, trace_id, parent_id, turn, kind, name, agent, host, model,"
        " prompt_version, started_at, floor(extract(epoch FROM started_at) * 1000)::int8"
        " AS started_ms, duration_ms, first_token_at, input_tokens, output_tokens,"
        " cache_read_tokens, cache_write_tokens, status, error, error_type, path, depth,"
        " subtree_tokens, subtree_errors, subtree_duration_ms, attrs, input, output,"
        " input_bytes, output_bytes"
        " FROM agentops.spans WHERE session_id = $1 ORDER BY path COLLATE \"C\"",
        sid);
    json spanList = json::array();
    json turns = json::array();
    std::set<std::pair<std::string, std::int64_t>> versions;
    std::set<std::string> hosts;
    qint64 first = std::numeric_limits<qint64>::max(), last = 0;
    for (const auto &row : spans) {
        json s = rowObject(row, r,
                           {"turn", "prompt_version", "started_ms", "input_tokens", "output_tokens",
                            "cache_read_tokens", "cache_write_tokens", "depth", "subtree_tokens",
                            "subtree_errors", "input_bytes", "output_bytes"},
                           {"duration_ms", "subtree_duration_ms"}, {"attrs"},
                           {"input", "output", "error"});
        const qint64 start = s["started_ms"].get<std::int64_t>();
        first = std::min(first, start);
        const json &duration = s["duration_ms"];
        last = std::max(
            last,
            safe::add(start, duration.is_number() ? safe::toInt64(duration.get<double>()) : 0));
        if (s["host"].is_string())
            hosts.insert(s["host"].get<std::string>());
        if (s["prompt_version"].is_number())
            versions.insert(
                {s["agent"].get<std::string>(), s["prompt_version"].get<std::int64_t>()});
        if (s["parent_id"].is_null())
            turns.push_back({{"turn", s["turn"]},
                             {"span_id", s["span_id"]},
                             {"started_at", s["started_at"]},
                             {"agent", s["agent"]},
                             {"prompt_version", s["prompt_version"]}});
        spanList.push_back(std::move(s));
    }
    bundle["spans"] = std::move(spanList);
    bundle["turns"] = std::move(turns);

    json events = json::array();
    for (const auto &row : tx.exec_params(
             "SELECT id, at, session_id, agent, host, kind, recoverable, strategy, outcome,"
             " attempt, trace_id, span_id, message, detail, stream_id"
             " FROM agentops.recovery_events WHERE session_id = $1 ORDER BY at, id",
             sid))
        events.push_back(rowObject(row, r, {"id", "attempt"}, {}, {"detail"}, {"message"}));
    bundle["recovery_events"] = std::move(events);

    json prompts = json::array();
    for (const auto &[agent, version] : versions) {
        for (const auto &row :
             tx.exec_params("SELECT agent, version, model, params, created_at, created_by, note,"
                            " eval_suite, eval_score, eval_passed, body"
                            " FROM agentops.prompt_versions WHERE agent = $1 AND version = $2",
                            agent, version))
            prompts.push_back(
                rowObject(row, r, {"version"}, {"eval_score"}, {"params"}, {"body", "note"}));
    }
    bundle["prompt_versions"] = std::move(prompts);

    json procs = json::array();
    if (!hosts.empty()) {
        const qint64 window = 5 * 60 * 1000;
        for (const std::string &host : hosts) {
            for (const auto &row : tx.exec_params(
                     "SELECT id, at, host, app, pm_id, event, detail, stream_id"
                     " FROM agentops.process_events WHERE host = $1"
                     " AND at >= to_timestamp($2::float8 / 1000)"
                     " AND at <= to_timestamp($3::float8 / 1000) ORDER BY at LIMIT 2000",
                     host, std::to_string(first - window), std::to_string(last + window)))
                procs.push_back(rowObject(row, r, {"id", "pm_id"}, {}, {"detail"}, {}));
        }
    }
    bundle["process_events"] = std::move(procs);
    bundle["window"] = spans.empty()
        ? json()
        : json({{"from", iso(first)}, {"to", iso(last)}, {"from_ms", first}, {"to_ms", last}});
    bundle["redaction"]["replacements"] = r.count;
    if (redactions)
        *redactions = r.count;
    return bundle;
}

QByteArray TraceExporter::toJson(const json &bundle)
{
    // Replace invalid UTF-8 from untrusted payloads instead of throwing.
    const std::string s = bundle.dump(1, ' ', false, json::error_handler_t::replace);
    return QByteArray(s.data(), qsizetype(s.size()));
}

QByteArray TraceExporter::toHtml(const json &bundle)
{
    return renderExportHtml(bundle);
}

namespace {
qint64 writeFile(const QString &path, const QByteArray &data, QString *error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return -1;
    }
    return data.size();
}
} // namespace

ExportResult TraceExporter::run(pqxx::transaction_base &tx, const ExportOptions &options)
{
    ExportResult result;
    QVector<QRegularExpression> patterns;
    if (!compile(options.redactPatterns, &patterns, &result.error))
        return result;
    const json bundle = collect(tx, options, patterns, &result.redactions);
    result.spans = int(bundle["spans"].size());
    result.recoveryEvents = int(bundle["recovery_events"].size());
    result.processEvents = int(bundle["process_events"].size());
    result.promptVersions = int(bundle["prompt_versions"].size());
    if (!options.jsonPath.isEmpty())
        result.jsonBytes = writeFile(options.jsonPath, toJson(bundle), &result.error);
    if (result.error.isEmpty() && !options.htmlPath.isEmpty())
        result.htmlBytes = writeFile(options.htmlPath, toHtml(bundle), &result.error);
    return result;
}

void TraceExporter::start(PgPool *pool, QObject *context, const ExportOptions &options,
                          std::function<void(const PgStatus &, const ExportResult &)> done)
{
    PgJobSpec spec;
    spec.target = PgTarget::Replica;
    spec.timeoutMs = 300000; // every payload of a session: minutes, not the default
    spec.label = QStringLiteral("export %1").arg(options.sessionId);
    pool->submit(
        spec, context, [options](pqxx::transaction_base &tx) { return run(tx, options); },
        [done = std::move(done)](PgResult<ExportResult> r) { done(r.status, r.value); });
}

void TraceExporter::insertAudit(pqxx::transaction_base &tx, const ExportOptions &options,
                                const ExportResult &result, const QString &clientHost)
{
    const json params = {{"html", options.htmlPath.toStdString()},
                         {"json", options.jsonPath.toStdString()},
                         {"spans", result.spans},
                         {"redact_patterns", options.redactPatterns.size()},
                         {"redactions", result.redactions}};
    const QString reason = options.reason.trimmed().isEmpty() ? QStringLiteral("post-mortem export")
                                                              : options.reason.trimmed();
    tx.exec("SET LOCAL statement_timeout = 10000");
    // Through agentops.record_export (migration 002): operators have no INSERT right on
    // the audit log; the server stamps the row's db_role.
    tx.exec_params("SELECT agentops.record_export($1, $2, $3::jsonb, $4, $5)",
                   options.sessionId.toStdString(), reason.toStdString(), params.dump(),
                   options.exportedBy.isEmpty() ? std::string("unknown")
                                                : options.exportedBy.toStdString(),
                   clientHost.toStdString());
}

void TraceExporter::audit(PgPool *pool, QObject *context, const ExportOptions &options,
                          const ExportResult &result, std::function<void(const PgStatus &)> done)
{
    PgJobSpec spec;
    spec.target = PgTarget::Primary;
    spec.readOnly = false;
    spec.label = QStringLiteral("audit export");
    const QString client = QHostInfo::localHostName();
    pool->submit(
        spec, context,
        [options, result, client](pqxx::transaction_base &tx) {
            insertAudit(tx, options, result, client);
            return true;
        },
        [done = std::move(done)](PgResult<bool> r) { done(r.status); });
}

} // namespace switchboard
