#include "core/services/EventHistoryQuery.h"

#include "core/contract/RecordFields.h"

#include <pqxx/pqxx>

namespace switchboard::eventhistory {

namespace {
std::string text(const QString &s)
{
    return s.toStdString();
}
} // namespace

EventHistoryPage fetchPage(pqxx::transaction_base &tx, const EventHistoryFilter &filter,
                           const EventHistoryCursor &after, int limit)
{
    // Keyset on (at, id), newest first, served by the (at) index; never OFFSET. Empty
    // filter texts mean "any" so the statement text stays fixed.
    const pqxx::result r = tx.exec_params(
        "SELECT id, at::text AS at, session_id, agent, host, kind, recoverable, strategy, outcome, "
        "attempt, trace_id, span_id, left(message, 2000) AS "
        "message, stream_id "
        "FROM agentops.recovery_events "
        "WHERE at >= to_timestamp($1::bigint / 1000.0) AND at < to_timestamp($2::bigint / 1000.0) "
        "AND ($3 = '' OR kind = $3) AND ($4 = '' OR agent = $4) "
        "AND ($5 = '' OR session_id = $5) AND ($6 = '' OR outcome = $6) "
        "AND ($7 = 0 OR (at, id) < ($8::timestamptz, $7)) "
        "ORDER BY at DESC, id DESC LIMIT $9",
        filter.fromMs, filter.toMs, text(filter.kind), text(filter.agent), text(filter.session),
        text(filter.outcome), after.id, after.isNull() ? std::string("epoch") : text(after.at),
        limit);
    EventHistoryPage page;
    page.rows.reserve(r.size());
    for (const auto &row : r) {
        std::vector<std::pair<QString, std::optional<QString>>> pairs;
        pairs.reserve(size_t(row.size()));
        for (const auto &f : row) {
            pairs.emplace_back(
                QString::fromUtf8(f.name()),
                f.is_null() ? std::nullopt
                            : std::optional<QString>(QString::fromUtf8(f.c_str(), int(f.size()))));
        }
        page.rows.push_back(
            RecoveryEventRow::fromParsed(RecoveryEvent::parse(RecordFields::fromPairs(pairs))));
    }
    if (int(r.size()) == limit && limit > 0) {
        const auto last = r[r.size() - 1];
        page.next.id = last["id"].as<long long>();
        page.next.at = QString::fromUtf8(last["at"].c_str());
    }
    return page;
}

QMap<qint64, RecoveryEventRateBuckets::Counts>
fetchRates(pqxx::transaction_base &tx, const EventHistoryFilter &filter, qint64 bucketMs)
{
    // At most (range / bucket) x kinds rows: bounded by the caller's bucket width.
    const pqxx::result r = tx.exec_params(
        "SELECT ((extract(epoch FROM at) * 1000)::bigint / $7::bigint) * $7::bigint AS b, kind, "
        "count(*) FROM agentops.recovery_events "
        "WHERE at >= to_timestamp($1::bigint / 1000.0) AND at < to_timestamp($2::bigint / 1000.0) "
        "AND ($3 = '' OR kind = $3) AND ($4 = '' OR agent = $4) "
        "AND ($5 = '' OR session_id = $5) AND ($6 = '' OR outcome = $6) "
        "GROUP BY 1, 2 ORDER BY 1 LIMIT 20000",
        filter.fromMs, filter.toMs, text(filter.kind), text(filter.agent), text(filter.session),
        text(filter.outcome), qMax<qint64>(1000, bucketMs));
    QMap<qint64, RecoveryEventRateBuckets::Counts> out;
    for (const auto &row : r) {
        const auto kind = enumFromText<RecoveryKind>(QByteArray(row[1].c_str()));
        const int k = int(kind.value_or(RecoveryKind::Other));
        out[row[0].as<long long>()][size_t(k)] += row[2].as<long long>();
    }
    return out;
}

QVector<DeploymentMarker> fetchDeployments(pqxx::transaction_base &tx, qint64 fromMs, qint64 toMs,
                                           int limit)
{
    const pqxx::result r = tx.exec_params(
        "SELECT agent, version, (extract(epoch FROM deployed_at) * 1000)::bigint, kind "
        "FROM agentops.prompt_deployments "
        "WHERE deployed_at >= to_timestamp($1::bigint / 1000.0) "
        "AND deployed_at < to_timestamp($2::bigint / 1000.0) "
        "ORDER BY deployed_at DESC LIMIT $3",
        fromMs, toMs, limit);
    QVector<DeploymentMarker> out;
    out.reserve(int(r.size()));
    for (const auto &row : r) {
        DeploymentMarker m;
        m.agent = QString::fromUtf8(row[0].c_str());
        m.version = row[1].as<long long>();
        m.atMs = row[2].as<long long>();
        m.kind = QString::fromUtf8(row[3].c_str());
        out.append(m);
    }
    return out;
}

} // namespace switchboard::eventhistory
