#include "core/services/TraceSearch.h"

#include <pqxx/pqxx>

namespace switchboard {

namespace {

const char *const kColumns[] = {"session_id",
                                "agent",
                                "layer",
                                "channel",
                                "host",
                                "started_at",
                                "ended_at",
                                "turns",
                                "outcome",
                                "max_fill_pct",
                                "had_recovery_events",
                                "recovery_event_count",
                                "prompt_version",
                                "model"};

} // namespace

TraceSearch::TraceSearch(PgPool *pool, QObject *context)
    : m_tracker(pool, context)
{ }

TracePage TraceSearch::fetch(pqxx::transaction_base &tx, const TraceQuery &q,
                             const TraceCursor &after)
{
    // Every value is a bound parameter; only the shape of the WHERE clause varies.
    std::string sql
        = "SELECT session_id, agent, layer, channel, host,"
          " floor(extract(epoch FROM started_at) * 1000)::int8,"
          " floor(extract(epoch FROM ended_at) * 1000)::int8, turns, outcome, max_fill_pct,"
          " had_recovery_events, recovery_event_count, prompt_version, model, started_at::text"
          " FROM agentops.sessions WHERE true";
    // Bound as text; the clause casts where the column is not text.
    std::vector<std::string> params;
    int n = 0;
    auto bind = [&](const std::string &clause, const std::string &value) {
        params.push_back(value);
        std::string c = clause;
        const std::string ph = "$" + std::to_string(++n);
        for (std::size_t at = c.find('?'); at != std::string::npos; at = c.find('?'))
            c.replace(at, 1, ph);
        sql += c;
    };
    if (!q.sessionId.isEmpty()) {
        if (q.sessionId.endsWith(QLatin1Char('*'))) {
            // Prefix: starts_with, no LIKE pattern to escape; the time order still leads.
            bind(" AND starts_with(session_id, ?)", q.sessionId.chopped(1).toStdString());
        } else {
            bind(" AND session_id = ?", q.sessionId.toStdString());
        }
    }
    if (!q.agent.isEmpty())
        bind(" AND agent = ?", q.agent.toStdString());
    if (q.fromMs)
        bind(" AND started_at >= to_timestamp(?::float8 / 1000)", std::to_string(*q.fromMs));
    if (q.toMs)
        bind(" AND started_at < to_timestamp(?::float8 / 1000)", std::to_string(*q.toMs));
    if (q.outcome)
        bind(" AND outcome = ?", enumToText(*q.outcome).toStdString());
    if (q.onlyWithRecovery)
        sql += " AND had_recovery_events";
    if (q.minFillPct)
        bind(" AND max_fill_pct >= ?::float8", std::to_string(*q.minFillPct));
    if (q.promptVersion)
        bind(" AND prompt_version = ?::int4", std::to_string(*q.promptVersion));
    if (!after.isNull()) {
        // The exact server text of started_at: ms would skip rows within the same ms.
        params.push_back(after.startedAt.toStdString());
        params.push_back(after.sessionId.toStdString());
        sql += " AND (started_at, session_id) < ($" + std::to_string(n + 1) + "::timestamptz, $"
            + std::to_string(n + 2) + ")";
        n += 2;
    }
    const int limit = std::clamp(q.pageSize, 1, 5000);
    sql += " ORDER BY started_at DESC, session_id DESC LIMIT " + std::to_string(limit + 1);

    const pqxx::result rows = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
    TracePage page;
    for (int i = 0; i < int(rows.size()) && i < limit; ++i) {
        const auto &r = rows[i];
        RecordFields fields;
        for (int c = 0; c < 14; ++c) {
            if (r[c].is_null())
                fields.setNull(kColumns[c]);
            else if (c == 10)
                fields.set(kColumns[c], QByteArray(r[c].c_str()[0] == 't' ? "1" : "0"));
            else
                fields.set(kColumns[c], QByteArray(r[c].c_str(), int(r[c].size())));
        }
        const Parsed<SessionSummary> parsed = SessionSummary::parse(fields);
        if (parsed.isOk())
            page.rows.append(parsed.value());
        else
            page.badRows.append(parsed.message());
    }
    if (int(rows.size()) > limit) {
        const auto &last = rows[limit - 1];
        page.next.startedAt = QString::fromUtf8(last[14].c_str());
        page.next.sessionId = QString::fromUtf8(last[0].c_str(), int(last[0].size()));
    }
    return page;
}

void TraceSearch::search(const TraceQuery &query, const TraceCursor &after, Callback done)
{
    PgJobSpec spec;
    spec.target = PgTarget::Replica;
    spec.label = QStringLiteral("trace search");
    m_tracker.start(
        spec, [query, after](pqxx::transaction_base &tx) { return fetch(tx, query, after); },
        [done = std::move(done)](PgResult<TracePage> result) {
            done(result.status, result.value);
        });
}

} // namespace switchboard
