#include "core/services/PayloadLoader.h"

#include <pqxx/pqxx>

namespace switchboard {

namespace {

QString text(const pqxx::field &f)
{
    return f.is_null() ? QString() : QString::fromUtf8(f.c_str(), int(f.size()));
}

void readText(const pqxx::row &r, int headCol, int lenCol, PayloadText *out)
{
    out->totalChars = r[lenCol].is_null() ? -1 : std::strtoll(r[lenCol].c_str(), nullptr, 10);
    out->head = text(r[headCol]);
    if (out->complete())
        PayloadLoader::checkJson(*out);
}

} // namespace

PayloadLoader::PayloadLoader(PgPool *pool, QObject *context)
    : m_open(pool, context)
    , m_rest(pool, context)
{ }

void PayloadLoader::checkJson(PayloadText &payload)
{
    const QString trimmed = payload.head.left(64).trimmed();
    if (!trimmed.startsWith(QLatin1Char('{')) && !trimmed.startsWith(QLatin1Char('[')))
        return;
    if (payload.head.size() > kJsonParseMax) {
        payload.jsonError
            = QStringLiteral("JSON not checked: %1 characters").arg(payload.head.size());
        return;
    }
    try {
        auto parsed
            = std::make_shared<nlohmann::json>(nlohmann::json::parse(payload.head.toStdString()));
        payload.json = std::move(parsed);
    } catch (const nlohmann::json::exception &e) {
        payload.jsonError = QStringLiteral("not valid JSON: ") + QString::fromUtf8(e.what());
    }
}

SpanPayload PayloadLoader::fetch(pqxx::transaction_base &tx, const QString &spanId,
                                 const QString &host, qint64 startMs, qint64 endMs)
{
    SpanPayload p;
    p.spanId = spanId;
    const std::string head = std::to_string(kHeadChars);
    const pqxx::result rows = tx.exec_params(
        "SELECT substr(input, 1, " + head + "), char_length(input), substr(output, 1, " + head
            + "), char_length(output), attrs::text, error, error_type"
              " FROM agentops.spans WHERE span_id = $1",
        spanId.toStdString());
    if (rows.empty())
        return p;
    p.found = true;
    const auto &r = rows[0];
    readText(r, 0, 1, &p.input);
    readText(r, 2, 3, &p.output);
    p.attrs = text(r[4]);
    p.error = text(r[5]);
    p.errorType = text(r[6]);

    // A model call's input names the prompt span that holds the assembled prompt.
    if (p.input.json && p.input.json->is_object()) {
        const auto it = p.input.json->find("prompt_span_id");
        if (it != p.input.json->end() && it->is_string())
            p.promptSpanId = QString::fromStdString(it->get<std::string>());
    }
    if (!p.promptSpanId.isEmpty()) {
        const pqxx::result prompt = tx.exec_params("SELECT substr(output, 1, " + head
                                                       + "), char_length(output)"
                                                         " FROM agentops.spans WHERE span_id = $1",
                                                   p.promptSpanId.toStdString());
        if (!prompt.empty()) {
            p.prompt.totalChars
                = prompt[0][1].is_null() ? -1 : std::strtoll(prompt[0][1].c_str(), nullptr, 10);
            p.prompt.head = text(prompt[0][0]);
        }
    }

    if (!host.isEmpty()) {
        const pqxx::result processEvents = tx.exec_params(
            "SELECT id, floor(extract(epoch FROM at) * 1000)::int8, host, app, pm_id, event,"
            " left(detail::text, 4000), stream_id FROM agentops.process_events"
            " WHERE host = $1 AND at >= to_timestamp($2::float8 / 1000)"
            " AND at <= to_timestamp($3::float8 / 1000) ORDER BY at LIMIT 200",
            host.toStdString(), std::to_string(startMs - kProcessEventWindowMs),
            std::to_string(endMs + kProcessEventWindowMs));
        static const char *const columns[]
            = {"id", "at", "host", "app", "pm_id", "event", "detail", "stream_id"};
        for (const auto &e : processEvents) {
            RecordFields fields;
            for (int c = 0; c < 8; ++c) {
                if (e[c].is_null())
                    fields.setNull(columns[c]);
                else
                    fields.set(columns[c], QByteArray(e[c].c_str(), int(e[c].size())));
            }
            const Parsed<ProcessEvent> parsed = ProcessEvent::parse(fields);
            if (parsed.isOk())
                p.processEvents.append(parsed.value());
            else
                p.badProcessEvents.append(parsed.message());
        }
    }
    return p;
}

QString PayloadLoader::fetchPart(pqxx::transaction_base &tx, const QString &spanId, Which which,
                                 qint64 offset, int chars)
{
    const char *column = which == Which::Input ? "input" : "output";
    const pqxx::result rows
        = tx.exec_params(std::string("SELECT substr(") + column
                             + ", $2::int4 + 1, $3::int4) FROM agentops.spans WHERE span_id = $1",
                         spanId.toStdString(), std::to_string(offset), std::to_string(chars));
    return rows.empty() ? QString() : text(rows[0][0]);
}

void PayloadLoader::open(const QString &spanId, const QString &host, qint64 startMs, qint64 endMs,
                         OpenCallback done)
{
    m_rest.cancel();
    PgJobSpec spec;
    spec.target = PgTarget::Replica;
    spec.label = QStringLiteral("span %1").arg(spanId);
    m_open.start(
        spec,
        [spanId, host, startMs, endMs](pqxx::transaction_base &tx) {
            return fetch(tx, spanId, host, startMs, endMs);
        },
        [done = std::move(done)](PgResult<SpanPayload> r) { done(r.status, r.value); });
}

void PayloadLoader::fetchRest(const QString &spanId, Which which, qint64 from, qint64 total,
                              PartCallback part)
{
    nextPart(spanId, which, from, total, std::make_shared<PartCallback>(std::move(part)));
}

void PayloadLoader::nextPart(const QString &spanId, Which which, qint64 from, qint64 total,
                             std::shared_ptr<PartCallback> part)
{
    PgJobSpec spec;
    spec.target = PgTarget::Replica;
    spec.label = QStringLiteral("span %1 payload part").arg(spanId);
    m_rest.start(
        spec,
        [spanId, which, from](pqxx::transaction_base &tx) {
            return fetchPart(tx, spanId, which, from, kChunkChars);
        },
        [this, spanId, which, from, total, part](PgResult<QString> r) {
            const qint64 next = from + r.value.size();
            const bool last = !r.ok() || r.value.isEmpty() || next >= total;
            (*part)(r.status, from, r.value, last);
            if (!last)
                nextPart(spanId, which, next, total, part);
        });
}

void PayloadLoader::cancel()
{
    m_open.cancel();
    m_rest.cancel();
}

} // namespace switchboard
