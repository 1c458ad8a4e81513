#include "core/services/TraceExporter.h"

#include "core/services/ExportHtml.h"
#include "core/util/OperatorIdentity.h"
#include "core/util/SafeMath.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHash>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>

namespace switchboard {

namespace {

using nlohmann::json;

// The bundle's own member names: constants of this file, never agent data. Redaction
// leaves them as they are so that the bundle stays loadable.
const std::unordered_set<std::string> &schemaKeys()
{
    static const std::unordered_set<std::string> keys
        = {// bundle
           "format", "session_id", "exported_by", "exported_at", "exported_from", "redaction",
           "pattern_count", "replacements", "ids", "pseudonyms", "session", "spans", "turns",
           "recovery_events", "prompt_versions", "process_events", "window", "from", "to",
           "from_ms", "to_ms",
           // sessions
           "agent", "layer", "channel", "host", "started_at", "ended_at", "outcome", "max_fill_pct",
           "had_recovery_events", "recovery_event_count", "prompt_version", "model",
           // spans
           "span_id", "trace_id", "parent_id", "turn", "kind", "name", "started_ms", "duration_ms",
           "first_token_at", "input_tokens", "output_tokens", "cache_read_tokens",
           "cache_write_tokens", "status", "error", "error_type", "path", "depth", "subtree_tokens",
           "subtree_errors", "subtree_duration_ms", "attrs", "input", "output", "input_bytes",
           "output_bytes",
           // recovery events, prompt versions, process events
           "id", "at", "recoverable", "strategy", "attempt", "message", "detail", "stream_id",
           "version", "params", "created_at", "created_by", "note", "eval_suite", "eval_score",
           "eval_passed", "body", "app", "pm_id", "event"};
    return keys;
}

// Calls text(s, member) on every string value (member: the name of the member it is in,
// through arrays; empty at the top) and rename(s) on every member name that is not one of
// the bundle's own; renamed members that collide get " #2", " #3"...
template<typename Text, typename Rename>
void walkStrings(json &j, const std::string &member, Text &text, Rename &rename)
{
    if (j.is_string()) {
        text(j.get_ref<std::string &>(), member);
    } else if (j.is_array()) {
        for (json &v : j)
            walkStrings(v, member, text, rename);
    } else if (j.is_object()) {
        std::vector<std::pair<std::string, std::string>> renamed;
        for (auto it = j.begin(); it != j.end(); ++it) {
            walkStrings(it.value(), it.key(), text, rename);
            if (schemaKeys().count(it.key()))
                continue;
            std::string k = it.key();
            if (rename(k))
                renamed.emplace_back(it.key(), std::move(k));
        }
        if (renamed.empty())
            return;
        std::vector<std::pair<std::string, json>> moved;
        for (auto &[from, to] : renamed) {
            moved.emplace_back(std::move(to), std::move(j[from]));
            j.erase(from);
        }
        for (auto &[to, v] : moved) {
            std::string k = to;
            for (int n = 2; j.contains(k); ++n)
                k = to + " #" + std::to_string(n);
            j[k] = std::move(v);
        }
    }
}

struct Redactor
{
    const QVector<QRegularExpression> &patterns;
    qint64 count = 0;

    bool apply(QString &s)
    {
        bool changed = false;
        for (const QRegularExpression &re : patterns) {
            qint64 n = 0;
            for (auto it = re.globalMatch(s); it.hasNext(); it.next())
                ++n;
            if (n) {
                s.replace(re, QStringLiteral("[redacted]"));
                count += n;
                changed = true;
            }
        }
        return changed;
    }
    bool apply(std::string &s)
    {
        QString q = QString::fromStdString(s);
        if (!apply(q))
            return false;
        s = q.toStdString();
        return true;
    }
    void walk(json &j)
    {
        if (patterns.isEmpty())
            return;
        auto text = [this](std::string &s, const std::string &) {
            apply(s);
        };
        auto rename = [this](std::string &s) {
            return apply(s);
        };
        walkStrings(j, std::string(), text, rename);
    }
};

// Identifier members and the prefix of their pseudonyms.
const char *idCategory(const std::string &member)
{
    static const std::unordered_map<std::string, const char *> categories
        = {{"session_id", "session"}, {"trace_id", "trace"}, {"span_id", "span"},
           {"parent_id", "span"},     {"host", "host"},      {"exported_from", "host"},
           {"agent", "agent"},        {"app", "app"},        {"exported_by", "operator"},
           {"created_by", "operator"}};
    const auto it = categories.find(member);
    return it == categories.end() ? nullptr : it->second;
}

constexpr std::size_t kPathStampChars = 19; // yyyyMMddTHHmmsszzzZ, Span::pathElement

struct Pseudonymiser
{
    std::unordered_map<std::string, std::string> of; // identifier → pseudonym
    std::map<std::string, int> next; // category → last number given
    std::vector<std::string> freeText; // identifiers replaced inside other text too

    const std::string &assign(const char *category, const std::string &value)
    {
        auto it = of.find(value);
        if (it != of.end())
            return it->second;
        const std::string name = std::string(category) + '-' + std::to_string(++next[category]);
        if (std::string(category) != "span" && value.size() >= 4)
            freeText.push_back(value);
        return of.emplace(value, name).first->second;
    }
    void collect(const json &j, const std::string &member)
    {
        if (j.is_string()) {
            const std::string &s = j.get_ref<const std::string &>();
            if (const char *c = idCategory(member); c && !s.empty())
                assign(c, s);
        } else if (j.is_array()) {
            for (const json &v : j)
                collect(v, member);
        } else if (j.is_object()) {
            for (auto it = j.begin(); it != j.end(); ++it)
                collect(it.value(), it.key());
        }
    }
    std::string path(const std::string &p)
    {
        std::string out;
        std::size_t at = 0;
        while (at <= p.size()) {
            std::size_t dot = p.find('.', at);
            if (dot == std::string::npos)
                dot = p.size();
            const std::string element = p.substr(at, dot - at);
            if (!out.empty() || at > 0)
                out += '.';
            if (element.size() > kPathStampChars)
                out += element.substr(0, kPathStampChars)
                    + assign("span", element.substr(kPathStampChars));
            else
                out += element;
            at = dot + 1;
        }
        return out;
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

json jsonColumn(const pqxx::field &f)
{
    if (f.is_null())
        return json();
    json j = json::parse(std::string(f.c_str(), f.size()), nullptr, false);
    if (j.is_discarded())
        return value(f); // jsonb always parses; kept safe anyway
    return j;
}

// Row → object, columns typed by their name.
json rowObject(const pqxx::row &row, const std::vector<std::string> &ints,
               const std::vector<std::string> &floats, const std::vector<std::string> &jsons)
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
            o[name] = jsonColumn(f);
        else if (f.is_null())
            o[name] = json();
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

qint64 TraceExporter::pseudonymise(json &bundle)
{
    Pseudonymiser p;
    // Numbered in reading order: the session, then the spans, then the rest.
    std::vector<std::pair<json *, std::string>> paths; // spans' path, rewritten last
    if (bundle.is_object()) {
        for (const char *k : {"session_id", "session", "spans"})
            if (bundle.contains(k))
                p.collect(bundle[k], k);
        if (bundle.contains("spans") && bundle["spans"].is_array())
            for (json &s : bundle["spans"])
                if (s.is_object() && s.contains("path") && s["path"].is_string())
                    paths.emplace_back(&s, s["path"].get<std::string>());
    }
    p.collect(bundle, std::string());

    // Inside other text: one alternation of the identifiers, longest first.
    std::sort(p.freeText.begin(), p.freeText.end(), [](const std::string &a, const std::string &b) {
        return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
    QStringList alternatives;
    QHash<QString, QString> inTextOf; // as the text is read (invalid UTF-8 replaced)
    for (const std::string &id : p.freeText) {
        const QString q = QString::fromStdString(id);
        alternatives << QRegularExpression::escape(q);
        inTextOf.insert(q, QString::fromStdString(p.of.at(id)));
    }
    const QRegularExpression inText(alternatives.join(QLatin1Char('|')));
    auto replaceInText = [&](std::string &s) {
        if (alternatives.isEmpty() || s.size() < 4)
            return false;
        const QString q = QString::fromStdString(s);
        QString out;
        qsizetype at = 0;
        for (auto it = inText.globalMatch(q); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            out += QStringView(q).mid(at, m.capturedStart() - at);
            out += inTextOf.value(m.captured(), QStringLiteral("[id]"));
            at = m.capturedEnd();
        }
        if (at == 0)
            return false;
        out += QStringView(q).mid(at);
        s = out.toStdString();
        return true;
    };
    auto text = [&](std::string &s, const std::string &member) {
        if (idCategory(member)) {
            const auto it = p.of.find(s);
            if (it != p.of.end())
                s = it->second;
        } else {
            replaceInText(s);
        }
    };
    auto rename = [&](std::string &k) {
        return replaceInText(k);
    };
    walkStrings(bundle, std::string(), text, rename);
    // A span's path is its ancestors' order stamps and span ids: the ids by their pseudonyms.
    for (auto &[span, original] : paths)
        (*span)["path"] = p.path(original);
    return qint64(p.of.size());
}

json TraceExporter::collect(pqxx::transaction_base &tx, const ExportOptions &options,
                            const QVector<QRegularExpression> &redact, qint64 *redactions)
{
    const std::string sid = options.sessionId.toStdString();
    const qint64 exportedAt
        = options.exportedAtMs ? options.exportedAtMs : QDateTime::currentMSecsSinceEpoch();
    json bundle = json::object();
    bundle["format"] = "switchboard-trace-bundle/2";
    bundle["session_id"] = sid;
    bundle["exported_by"] = options.exportedBy.toStdString();
    bundle["exported_at"] = iso(exportedAt);
    bundle["exported_from"] = OperatorIdentity::hostName().toStdString();

    const pqxx::result session = tx.exec_params(
        "SELECT session_id, agent, layer, channel, host, started_at, ended_at, turns, outcome,"
        " max_fill_pct, had_recovery_events, recovery_event_count, prompt_version, model"
        " FROM agentops.sessions WHERE session_id = $1",
        sid);
    bundle["session"] = session.empty()
        ? json()
        : rowObject(session[0], {"turns", "recovery_event_count", "prompt_version"},
                    {"max_fill_pct"}, {});

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
        json s = rowObject(row,
                           {"turn", "prompt_version", "started_ms", "input_tokens", "output_tokens",
                            "cache_read_tokens", "cache_write_tokens", "depth", "subtree_tokens",
                            "subtree_errors", "input_bytes", "output_bytes"},
                           {"duration_ms", "subtree_duration_ms"}, {"attrs"});
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
        events.push_back(rowObject(row, {"id", "attempt"}, {}, {"detail"}));
    bundle["recovery_events"] = std::move(events);

    json prompts = json::array();
    for (const auto &[agent, version] : versions) {
        for (const auto &row :
             tx.exec_params("SELECT agent, version, model, params, created_at, created_by, note,"
                            " eval_suite, eval_score, eval_passed, body"
                            " FROM agentops.prompt_versions WHERE agent = $1 AND version = $2",
                            agent, version))
            prompts.push_back(rowObject(row, {"version"}, {"eval_score"}, {"params"}));
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
                procs.push_back(rowObject(row, {"id", "pm_id"}, {}, {"detail"}));
        }
    }
    bundle["process_events"] = std::move(procs);
    bundle["window"] = spans.empty()
        ? json()
        : json({{"from", iso(first)}, {"to", iso(last)}, {"from_ms", first}, {"to_ms", last}});

    // The whole bundle, as it will be written: identifiers first (so that a pattern does
    // not break the tree's links where pseudonyms keep it), then every string and member
    // name. The pattern texts are not in the bundle (they may be the secrets), their count is.
    const qint64 pseudonyms = options.redactIds ? pseudonymise(bundle) : 0;
    const qint64 replaced = TraceExporter::redact(bundle, redact);
    bundle["redaction"] = {{"pattern_count", redact.size()},
                           {"replacements", replaced},
                           {"ids", options.redactIds ? "pseudonyms" : "original"},
                           {"pseudonyms", pseudonyms}};
    if (redactions)
        *redactions = replaced;
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

QString describeErrno(int e)
{
    return QString::fromLocal8Bit(std::strerror(e));
}

QByteArray sha256Hex(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

} // namespace

bool TraceExporter::prepare(pqxx::transaction_base &tx, const ExportOptions &options,
                            PreparedExport *out)
{
    *out = PreparedExport();
    ExportResult &result = out->result;
    QVector<QRegularExpression> patterns;
    if (!compile(options.redactPatterns, &patterns, &result.error)) {
        result.stage = ExportResult::Stage::BadPattern;
        return false;
    }
    // A mistyped id must not produce an empty report that looks like a quiet session.
    const bool known = tx.exec_params1("SELECT EXISTS (SELECT 1 FROM agentops.sessions WHERE "
                                       "session_id = $1) OR EXISTS (SELECT 1 FROM "
                                       "agentops.spans WHERE session_id = $1)",
                                       options.sessionId.toStdString())[0]
                           .as<bool>();
    if (!known) {
        result.stage = ExportResult::Stage::UnknownSession;
        result.error = QStringLiteral("no session %1 in Postgres (no session row, no spans)")
                           .arg(options.sessionId);
        return false;
    }
    const json bundle = collect(tx, options, patterns, &result.redactions);
    result.spans = int(bundle["spans"].size());
    result.recoveryEvents = int(bundle["recovery_events"].size());
    result.processEvents = int(bundle["process_events"].size());
    result.promptVersions = int(bundle["prompt_versions"].size());
    result.pseudonyms = bundle["redaction"]["pseudonyms"].get<std::int64_t>();
    if (!options.jsonPath.isEmpty()) {
        out->json = toJson(bundle);
        result.jsonBytes = out->json.size();
        result.jsonSha256 = sha256Hex(out->json);
    }
    if (!options.htmlPath.isEmpty()) {
        out->html = toHtml(bundle);
        result.htmlBytes = out->html.size();
        result.htmlSha256 = sha256Hex(out->html);
    }
    result.stage = ExportResult::Stage::Prepared;
    return true;
}

bool TraceExporter::writePrivateFile(const QString &path, const QByteArray &data, QString *error)
{
    const QFileInfo info(path);
    const QByteArray dir = QFile::encodeName(info.absolutePath());
    const QByteArray target = QFile::encodeName(info.absoluteFilePath());
    // The temporary: created here, 0600 from the start (mkstemp), never an existing file.
    QByteArray temp = dir + "/." + QFile::encodeName(info.fileName()) + ".XXXXXX";
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) {
        *error = QStringLiteral("cannot create a file in %1: %2")
                     .arg(info.absolutePath(), describeErrno(errno));
        return false;
    }
    auto fail = [&](const QString &what, int e) {
        ::close(fd);
        ::unlink(temp.constData());
        *error = QStringLiteral("cannot write %1: %2: %3").arg(path, what, describeErrno(e));
        return false;
    };
    // mkostemp's mode is 0600 before the umask; make it exactly 0600 on the descriptor.
    if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0)
        return fail(QStringLiteral("chmod"), errno);
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fail(QStringLiteral("write"), n < 0 ? errno : EIO);
        done += n;
    }
    if (::fsync(fd) != 0)
        return fail(QStringLiteral("fsync"), errno);
    if (::close(fd) != 0) {
        const int e = errno;
        ::unlink(temp.constData());
        *error = QStringLiteral("cannot write %1: close: %2").arg(path, describeErrno(e));
        return false;
    }
    // rename() replaces whatever is at the path (a symlink included) without following it.
    if (::rename(temp.constData(), target.constData()) != 0) {
        const int e = errno;
        ::unlink(temp.constData());
        *error = QStringLiteral("cannot write %1: %2").arg(path, describeErrno(e));
        return false;
    }
    return true;
}

bool TraceExporter::writeFiles(const ExportOptions &options, const PreparedExport &prepared,
                               ExportResult *result)
{
    *result = prepared.result;
    if (result->auditId <= 0) {
        result->stage = ExportResult::Stage::Audit;
        result->error = QStringLiteral("the export has no audit row: nothing written");
        return false;
    }
    QStringList written;
    auto one = [&](const QString &path, const QByteArray &data) {
        if (path.isEmpty())
            return true;
        if (!writePrivateFile(path, data, &result->error))
            return false;
        written << path;
        return true;
    };
    if (one(options.jsonPath, prepared.json) && one(options.htmlPath, prepared.html)) {
        result->stage = ExportResult::Stage::Written;
        return true;
    }
    // No half export: a bundle without its report (or the reverse) is removed too.
    for (const QString &path : std::as_const(written))
        QFile::remove(path);
    result->stage = ExportResult::Stage::Files;
    return false;
}

ExportResult TraceExporter::run(const QString &readDsn, const QString &writeDsn,
                                const ExportOptions &options, const QString &clientHost)
{
    PreparedExport prepared;
    // connect_timeout and keepalives as the pool has them: a dead server is an error in
    // seconds, not a hang.
    QString dsnError;
    const std::string readConn = PgConfig::normalize(readDsn, 10, &dsnError);
    const std::string writeConn = PgConfig::normalize(writeDsn, 10, &dsnError);
    if (!dsnError.isEmpty()) {
        prepared.result.stage = ExportResult::Stage::Collect;
        prepared.result.error = dsnError;
        return prepared.result;
    }
    try {
        pqxx::connection read(readConn);
        pqxx::read_transaction tx(read);
        tx.exec("SET LOCAL statement_timeout = 300000");
        if (!prepare(tx, options, &prepared))
            return prepared.result;
    } catch (const std::exception &e) {
        prepared.result.stage = ExportResult::Stage::Collect;
        prepared.result.error = QString::fromUtf8(e.what()).trimmed();
        return prepared.result;
    }
    try {
        pqxx::connection write(writeConn);
        pqxx::work tx(write);
        const qint64 id = insertAudit(tx, options, prepared.result, clientHost);
        tx.commit();
        prepared.result.auditId = id;
    } catch (const std::exception &e) {
        prepared.result.stage = ExportResult::Stage::Audit;
        prepared.result.error = QStringLiteral("the audit row could not be written (%1): "
                                               "nothing written")
                                    .arg(QString::fromUtf8(e.what()).trimmed());
        return prepared.result;
    }
    ExportResult result;
    writeFiles(options, prepared, &result);
    return result;
}

qint64 TraceExporter::insertAudit(pqxx::transaction_base &tx, const ExportOptions &options,
                                  const ExportResult &result, const QString &clientHost)
{
    // Counts and digests of the bytes about to be written; the pattern texts are not
    // recorded (a pattern may be the secret itself), their number is.
    json params = {{"html", options.htmlPath.toStdString()},
                   {"json", options.jsonPath.toStdString()},
                   {"spans", result.spans},
                   {"recovery_events", result.recoveryEvents},
                   {"process_events", result.processEvents},
                   {"prompt_versions", result.promptVersions},
                   {"redact_patterns", options.redactPatterns.size()},
                   {"redactions", result.redactions},
                   {"redact_ids", options.redactIds}};
    if (!options.htmlPath.isEmpty()) {
        params["html_bytes"] = result.htmlBytes;
        params["html_sha256"] = result.htmlSha256.toStdString();
    }
    if (!options.jsonPath.isEmpty()) {
        params["json_bytes"] = result.jsonBytes;
        params["json_sha256"] = result.jsonSha256.toStdString();
    }
    const QString reason = options.reason.trimmed().isEmpty() ? QStringLiteral("post-mortem export")
                                                              : options.reason.trimmed();
    tx.exec("SET LOCAL statement_timeout = 10000");
    // Through agentops.record_export (migration 002): operators have no INSERT right on
    // the audit log; the server stamps the row's db_role.
    return tx
        .exec_params1("SELECT agentops.record_export($1, $2, $3::jsonb, $4, $5)",
                      options.sessionId.toStdString(), reason.toStdString(), params.dump(),
                      options.exportedBy.isEmpty() ? std::string("unknown")
                                                   : options.exportedBy.toStdString(),
                      clientHost.toStdString())[0]
        .as<qint64>();
}

void TraceExporter::start(PgPool *pool, QObject *context, const ExportOptions &options,
                          std::function<void(const PgStatus &, const ExportResult &)> done)
{
    PgJobSpec read;
    read.target = PgTarget::Replica;
    read.timeoutMs = 300000; // every payload of a session: minutes, not the default
    read.label = QStringLiteral("export %1").arg(options.sessionId);
    const QString client = OperatorIdentity::hostName();
    auto finish = std::make_shared<std::function<void(const PgStatus &, const ExportResult &)>>(
        std::move(done));
    QPointer<QObject> guard(context);
    pool->submit(
        read, context,
        [options](pqxx::transaction_base &tx) {
            auto prepared = std::make_shared<PreparedExport>();
            prepare(tx, options, prepared.get());
            return prepared;
        },
        [pool, guard, options, client, finish](PgResult<std::shared_ptr<PreparedExport>> r) {
            if (!r.status.ok() || !r.value || !r.value->result.error.isEmpty()) {
                ExportResult failed = r.value ? r.value->result : ExportResult();
                if (!r.status.ok()) {
                    failed.stage = ExportResult::Stage::Collect;
                    failed.error = r.status.message;
                }
                (*finish)(r.status, failed);
                return;
            }
            if (!guard)
                return;
            PgJobSpec write;
            write.target = PgTarget::Primary;
            write.readOnly = false;
            write.label = QStringLiteral("audit export");
            const std::shared_ptr<PreparedExport> prepared = r.value;
            pool->submit(
                write, guard.data(),
                [options, prepared, client](pqxx::transaction_base &tx) {
                    return insertAudit(tx, options, prepared->result, client);
                },
                [guard, options, prepared, finish](PgResult<qint64> a) {
                    if (!a.status.ok() || a.value <= 0) {
                        ExportResult failed = prepared->result;
                        failed.stage = ExportResult::Stage::Audit;
                        failed.error = QStringLiteral("the audit row could not be written "
                                                      "(%1): nothing written")
                                           .arg(a.status.message);
                        (*finish)(a.status, failed);
                        return;
                    }
                    if (!guard)
                        return;
                    // Committed: now the files, off the GUI thread.
                    prepared->result.auditId = a.value;
                    auto *watcher = new QFutureWatcher<ExportResult>(guard.data());
                    QObject::connect(watcher, &QFutureWatcherBase::finished, watcher,
                                     [watcher, finish] {
                                         const ExportResult written = watcher->result();
                                         watcher->deleteLater();
                                         PgStatus ok;
                                         (*finish)(ok, written);
                                     });
                    watcher->setFuture(QtConcurrent::run([options, prepared] {
                        ExportResult written;
                        writeFiles(options, *prepared, &written);
                        return written;
                    }));
                });
        });
}

void TraceExporter::audit(PgPool *pool, QObject *context, const ExportOptions &options,
                          const ExportResult &result, std::function<void(const PgStatus &)> done)
{
    PgJobSpec spec;
    spec.target = PgTarget::Primary;
    spec.readOnly = false;
    spec.label = QStringLiteral("audit export");
    const QString client = OperatorIdentity::hostName();
    pool->submit(
        spec, context,
        [options, result, client](pqxx::transaction_base &tx) {
            return insertAudit(tx, options, result, client);
        },
        [done = std::move(done)](PgResult<qint64> r) { done(r.status); });
}

} // namespace switchboard
