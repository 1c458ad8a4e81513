// The post-mortem export: the redactor (TraceExporter::redact, what collect() applies to
// the bundle's text) and the HTML report (renderExportHtml) over a bundle of untrusted
// values, plus the JSON bundle (TraceExporter::toJson).
//
// Input: a first line that is a literal the operator wants redacted (used as the last of
// three patterns, after an e-mail and a long-number pattern like the README's), then a
// JSON object shaped like a bundle (session, spans, recovery_events, prompt_versions,
// process_events, ...). Its members are coerced into the exact types collect() produces
// from Postgres (text, int8, float8 incl. 'Infinity'/'NaN', bool, jsonb), so the renderer
// sees only bundles it can get.
// Invariants: redaction keeps the bundle's shape and every non-text value, changes text
// (values and member names) only when it counts a replacement, and leaves no match of the
// literal in a value; pseudonymisation keeps the bundle's size and renders; the HTML's
// markup does not depend on the data: with every text replaced by "x" it has the same
// number of < > " ' characters, apart from the <span class="seg"> marks of prompt segments;
// the JSON bundle parses.
#include "FuzzSupport.h"
#include "core/services/ExportHtml.h"
#include "core/services/TraceExporter.h"

#include <algorithm>
#include <cstdlib>

using namespace switchboard;
using nlohmann::json;

namespace {

enum class Col { Text, OptText, Int, OptInt, Float, OptFloat, Bool, Json };
struct Column
{
    const char *name;
    Col type;
};

const Column kSession[] = {
    {"session_id", Col::Text},
    {"agent", Col::Text},
    {"layer", Col::OptText},
    {"channel", Col::OptText},
    {"host", Col::OptText},
    {"started_at", Col::Text},
    {"ended_at", Col::OptText},
    {"turns", Col::Int},
    {"outcome", Col::Text},
    {"max_fill_pct", Col::OptFloat},
    {"had_recovery_events", Col::Bool},
    {"recovery_event_count", Col::Int},
    {"prompt_version", Col::OptInt},
    {"model", Col::OptText},
};
const Column kSpan[] = {
    {"span_id", Col::Text},
    {"trace_id", Col::Text},
    {"parent_id", Col::OptText},
    {"turn", Col::Int},
    {"kind", Col::Text},
    {"name", Col::Text},
    {"agent", Col::Text},
    {"host", Col::OptText},
    {"model", Col::OptText},
    {"prompt_version", Col::OptInt},
    {"started_at", Col::Text},
    {"started_ms", Col::Int},
    {"duration_ms", Col::Float},
    {"first_token_at", Col::OptText},
    {"input_tokens", Col::OptInt},
    {"output_tokens", Col::OptInt},
    {"cache_read_tokens", Col::OptInt},
    {"cache_write_tokens", Col::OptInt},
    {"status", Col::Text},
    {"error", Col::OptText},
    {"error_type", Col::OptText},
    {"path", Col::Text},
    {"depth", Col::Int},
    {"subtree_tokens", Col::OptInt},
    {"subtree_errors", Col::OptInt},
    {"subtree_duration_ms", Col::OptFloat},
    {"attrs", Col::Json},
    {"input", Col::OptText},
    {"output", Col::OptText},
    {"input_bytes", Col::OptInt},
    {"output_bytes", Col::OptInt},
};
const Column kEvent[] = {
    {"id", Col::Int},           {"at", Col::Text},          {"session_id", Col::Text},
    {"agent", Col::Text},       {"host", Col::OptText},     {"kind", Col::Text},
    {"recoverable", Col::Bool}, {"strategy", Col::Text},    {"outcome", Col::Text},
    {"attempt", Col::Int},      {"trace_id", Col::OptText}, {"span_id", Col::OptText},
    {"message", Col::OptText},  {"detail", Col::Json},      {"stream_id", Col::OptText},
};
const Column kPrompt[] = {
    {"agent", Col::Text},       {"version", Col::Int},        {"model", Col::Text},
    {"params", Col::Json},      {"created_at", Col::Text},    {"created_by", Col::Text},
    {"note", Col::OptText},     {"eval_suite", Col::OptText}, {"eval_score", Col::OptFloat},
    {"eval_passed", Col::Bool}, {"body", Col::Text},
};
const Column kProc[] = {
    {"id", Col::Int},    {"at", Col::Text},    {"host", Col::Text},   {"app", Col::Text},
    {"pm_id", Col::Int}, {"event", Col::Text}, {"detail", Col::Json}, {"stream_id", Col::OptText},
};

bool isInt64(const json &v)
{
    return v.is_number_integer()
        && (!v.is_number_unsigned()
            || v.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<std::int64_t>::max()));
}

// One value as collect() would have produced it from the column's text.
json coerce(const json &in, Col type)
{
    switch (type) {
    case Col::Text:
        return in.is_string() ? in : json("");
    case Col::OptText:
        return in.is_string() ? in : json();
    case Col::Int:
    case Col::OptInt:
        if (isInt64(in))
            return json(in.get<std::int64_t>());
        return type == Col::Int ? json(std::int64_t(0)) : json();
    case Col::Float:
    case Col::OptFloat:
        if (in.is_number())
            return json(in.get<double>());
        if (in.is_string()) // float8 text: Postgres accepts 'Infinity' and 'NaN'
            return json(std::strtod(in.get<std::string>().c_str(), nullptr));
        return type == Col::Float ? json(0.0) : json();
    case Col::Bool:
        return json(in.is_boolean() && in.get<bool>());
    case Col::Json:
        return in;
    }
    return json();
}

template<size_t N> json row(const json &in, const Column (&columns)[N])
{
    json o = json::object();
    for (const Column &c : columns)
        o[c.name] = coerce(in.is_object() && in.contains(c.name) ? in[c.name] : json(), c.type);
    return o;
}

template<size_t N> json rows(const json &in, const char *key, const Column (&columns)[N])
{
    json out = json::array();
    if (in.is_object() && in.contains(key) && in[key].is_array())
        for (const json &r : in[key])
            out.push_back(row(r, columns));
    return out;
}

json bundleFrom(const json &in)
{
    auto text = [&](const char *key) {
        return in.is_object() && in.contains(key) && in[key].is_string() ? in[key] : json("");
    };
    json b = json::object();
    b["format"] = "switchboard-trace-bundle/1";
    b["session_id"] = text("session_id");
    b["exported_by"] = text("exported_by");
    b["exported_at"] = text("exported_at");
    b["exported_from"] = text("exported_from");
    b["redaction"] = {{"pattern_count", 3}, {"replacements", 0}, {"ids", "original"}};
    b["session"] = in.is_object() && in.contains("session") && in["session"].is_object()
        ? row(in["session"], kSession)
        : json();
    b["spans"] = rows(in, "spans", kSpan);
    json turns = json::array();
    for (const json &s : b["spans"])
        if (s["parent_id"].is_null())
            turns.push_back({{"turn", s["turn"]},
                             {"span_id", s["span_id"]},
                             {"started_at", s["started_at"]},
                             {"agent", s["agent"]},
                             {"prompt_version", s["prompt_version"]}});
    b["turns"] = std::move(turns);
    b["recovery_events"] = rows(in, "recovery_events", kEvent);
    b["prompt_versions"] = rows(in, "prompt_versions", kPrompt);
    b["process_events"] = rows(in, "process_events", kProc);
    b["window"] = json();
    return b;
}

// Redaction changes text only: same shape, same keys, same non-text values.
void sameShape(const json &before, const json &after, bool changed)
{
    FUZZ_CHECK(before.type() == after.type(), QString::fromLatin1(after.type_name()));
    if (before.is_string()) {
        FUZZ_CHECK(changed || before == after, QString::fromStdString(after.get<std::string>()));
    } else if (before.is_object()) {
        FUZZ_CHECK(before.size() == after.size(), QString());
        // Member names are redacted too (renamed, never merged): then only the size is kept.
        bool sameNames = true;
        for (auto it = before.begin(); it != before.end() && sameNames; ++it)
            sameNames = after.contains(it.key());
        FUZZ_CHECK(sameNames || changed, QString());
        if (!sameNames)
            return;
        for (auto it = before.begin(); it != before.end(); ++it) {
            FUZZ_CHECK(after.contains(it.key()), QString::fromStdString(it.key()));
            sameShape(it.value(), after[it.key()], changed);
        }
    } else if (before.is_array()) {
        FUZZ_CHECK(before.size() == after.size(), QString());
        for (size_t i = 0; i < before.size(); ++i)
            sameShape(before[i], after[i], changed);
    } else {
        FUZZ_CHECK(before == after || (before.is_number_float() && before != before),
                   QString::fromStdString(after.dump()));
    }
}

void noLiteral(const json &j, const std::string &literal)
{
    if (j.is_string())
        FUZZ_CHECK(j.get<std::string>().find(literal) == std::string::npos,
                   QString::fromStdString(j.get<std::string>()));
    else if (j.is_structured())
        for (const json &v : j)
            noLiteral(v, literal);
}

// Every text "x" (empty stays empty; the two values the renderer tests stay as they are);
// inside the free-form JSON columns (attrs, detail, params) the member names too, which
// the report shows in its payload blocks.
void shadow(json &j, bool freeForm = false)
{
    if (j.is_string()) {
        const std::string s = j.get<std::string>();
        if (!s.empty() && s != "error" && s != "failed")
            j = "x";
    } else if (j.is_object()) {
        json out = json::object();
        int i = 0;
        for (auto it = j.begin(); it != j.end(); ++it, ++i) {
            const bool column = it.key() == "attrs" || it.key() == "detail" || it.key() == "params";
            json v = it.value();
            shadow(v, freeForm || column);
            out[freeForm ? "k" + std::to_string(i) : it.key()] = std::move(v);
        }
        j = std::move(out);
    } else if (j.is_array()) {
        for (json &v : j)
            shadow(v, freeForm);
    }
}

qsizetype count(const QByteArray &text, const char *needle)
{
    return text.count(needle);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArray literalBytes, body;
    fuzz::splitHeader(fuzz::bytes(data, size), &literalBytes, &body);
    const json input = json::parse(body.constBegin(), body.constEnd(), nullptr, false);
    if (input.is_discarded())
        return 0;
    json bundle = bundleFrom(input);

    const QString literal = QString::fromUtf8(literalBytes);
    QVector<QRegularExpression> patterns;
    QString error;
    const bool compiled = TraceExporter::compile(
        {QStringLiteral("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+"), QStringLiteral("\\b\\d{12,19}\\b"),
         QRegularExpression::escape(literal.isEmpty() ? QStringLiteral("secret") : literal)},
        &patterns, &error);
    FUZZ_CHECK(compiled, error);

    const json before = bundle;
    const qint64 replaced = TraceExporter::redact(bundle, patterns);
    FUZZ_CHECK(replaced >= 0, QString::number(replaced));
    sameShape(before, bundle, replaced > 0);
    // A literal sharing no character with "[redacted]" cannot be formed again around one.
    const std::string lit = literal.toStdString();
    if (!literal.isEmpty() && std::none_of(lit.begin(), lit.end(), [](char c) {
            return std::string("[redacted]").find(c) != std::string::npos;
        }))
        noLiteral(bundle, lit);

    // Pseudonyms (--redact-ids) keep the bundle renderable and its size.
    json pseudo = bundle;
    TraceExporter::pseudonymise(pseudo);
    FUZZ_CHECK(pseudo.size() == bundle.size() && pseudo["spans"].size() == bundle["spans"].size(),
               QString());
    FUZZ_CHECK(!TraceExporter::toHtml(pseudo).isEmpty(), QString());

    const QByteArray html = TraceExporter::toHtml(bundle);
    json plain = bundle;
    shadow(plain);
    const QByteArray reference = renderExportHtml(plain);
    const qsizetype marks = count(html, "<span class=\"seg\">");
    FUZZ_CHECK(count(reference, "<span class=\"seg\">") == 0, QString());
    for (const auto &[c, perMark] : {std::pair {"<", 2}, {">", 2}, {"\"", 2}, {"'", 0}})
        FUZZ_CHECK(count(html, c) == count(reference, c) + perMark * marks,
                   QStringLiteral("'%1': %2 in the report, %3 with plain text, %4 segment marks")
                       .arg(QLatin1String(c))
                       .arg(count(html, c))
                       .arg(count(reference, c))
                       .arg(marks));
    FUZZ_CHECK(count(html, "<script") == 1, QString());

    const QByteArray bundleJson = TraceExporter::toJson(bundle);
    FUZZ_CHECK(
        !json::parse(bundleJson.constBegin(), bundleJson.constEnd(), nullptr, false).is_discarded(),
        QString::fromUtf8(bundleJson.left(400)));
    return 0;
}
