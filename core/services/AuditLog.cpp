#include "core/services/AuditLog.h"

#include "core/contract/RecordFields.h"
#include "core/pg/JobTracker.h"
#include "core/pg/PgPool.h"

#include <cstring>
#include <pqxx/pqxx>

namespace switchboard {

namespace auditlog {

namespace {

std::string text(const QString &s)
{
    return s.toStdString();
}

// The row's columns whose names start with `prefix`, named without it, as the contract
// parser reads them.
RecordFields fieldsOf(const pqxx::row &row, const char *prefix)
{
    const size_t n = std::strlen(prefix);
    std::vector<std::pair<QString, std::optional<QString>>> pairs;
    for (const auto &f : row) {
        const char *name = f.name();
        if (std::strncmp(name, prefix, n) != 0)
            continue;
        pairs.emplace_back(
            QString::fromUtf8(name + n),
            f.is_null() ? std::nullopt
                        : std::optional<QString>(QString::fromUtf8(f.c_str(), int(f.size()))));
    }
    return RecordFields::fromPairs(pairs);
}

} // namespace

AuditLogPage fetchPage(pqxx::transaction_base &tx, const AuditFilter &filter,
                       const AuditCursor &after, int limit)
{
    // Keyset on (at, id), newest first, served by the (at) index; never OFFSET. The
    // outcome row is found through the (ref_id) index. Empty filter texts mean "any" so
    // the statement text stays fixed. A filter on the outcome reads on until it finds a
    // page or the statement_timeout ends it (the pool sets it).
    const pqxx::result r = tx.exec_params(
        "SELECT r.id AS r_id, r.at::text AS r_at, r.operator AS r_operator, "
        "(extract(epoch FROM r.at) * 1000000)::bigint AS at_us, "
        "r.client_host AS r_client_host, r.action AS r_action, r.target AS r_target, "
        "left(r.reason, 2000) AS r_reason, r.params::text AS r_params, r.outcome AS r_outcome, "
        "r.detail::text AS r_detail, r.ref_id AS r_ref_id, r.db_role AS r_db_role, "
        "o.id AS o_id, o.at::text AS o_at, o.operator AS o_operator, "
        "o.client_host AS o_client_host, o.action AS o_action, o.target AS o_target, "
        "left(o.reason, 2000) AS o_reason, o.outcome AS o_outcome, "
        "jsonb_build_object('message', left(o.detail->>'message', 2000), "
        "'state', left(o.detail->>'state', 200))::text AS o_detail, "
        "o.ref_id AS o_ref_id, o.db_role AS o_db_role, o.n AS n_outcomes "
        "FROM agentops.operator_actions r "
        "LEFT JOIN LATERAL (SELECT x.*, count(*) OVER () AS n FROM agentops.operator_actions x "
        "  WHERE x.ref_id = r.id ORDER BY x.id DESC LIMIT 1) o ON true "
        "WHERE r.ref_id IS NULL "
        "AND ($1 = '' OR r.operator = $1 OR r.db_role = $1) "
        "AND ($2 = '' OR r.action = $2) "
        "AND ($3 = '' OR left(r.target, length($3)) = $3) "
        "AND ($4 = '' OR coalesce(o.outcome, r.outcome) = $4) "
        "AND ($5::bigint = 0 OR r.at >= to_timestamp($5::bigint / 1000.0)) "
        "AND ($6::bigint = 0 OR r.at < to_timestamp($6::bigint / 1000.0)) "
        "AND ($7::bigint = 0 OR (r.at, r.id) < ($8::timestamptz, $7::bigint)) "
        "ORDER BY r.at DESC, r.id DESC LIMIT $9",
        text(filter.operatorName), text(filter.action), text(filter.targetPrefix),
        text(filter.outcome), filter.fromMs, filter.toMs, after.id,
        after.isNull() ? std::string("epoch") : text(after.at), limit);
    AuditLogPage page;
    page.entries.reserve(r.size());
    for (const auto &row : r) {
        AuditEntry e;
        e.request = OperatorAction::parse(fieldsOf(row, "r_"));
        e.atUs = row["at_us"].as<long long>();
        if (!row["o_id"].is_null()) {
            e.latestOutcome = OperatorAction::parse(fieldsOf(row, "o_"));
            e.outcomeRows = row["n_outcomes"].as<int>();
        }
        page.entries.push_back(std::move(e));
    }
    if (int(r.size()) == limit && limit > 0) {
        const auto last = r[r.size() - 1];
        page.next.id = last["r_id"].as<long long>();
        page.next.at = QString::fromUtf8(last["r_at"].c_str());
    }
    return page;
}

} // namespace auditlog

AuditLog::AuditLog(QObject *parent)
    : QObject(parent)
{ }

AuditLog::~AuditLog() = default;

void AuditLog::setPool(PgPool *pool)
{
    m_pages.reset();
    m_pool = pool;
    m_loading = false;
    if (pool)
        m_pages = std::make_unique<JobTracker>(pool, this);
}

void AuditLog::load(const AuditFilter &filter)
{
    m_filter = filter;
    m_next = AuditCursor();
    if (!m_pool) {
        Q_EMIT failed(QStringLiteral("the audit log needs Postgres"));
        return;
    }
    fetch(false);
}

void AuditLog::loadOlder()
{
    if (!m_pool || m_next.isNull() || m_loading)
        return;
    fetch(true);
}

void AuditLog::fetch(bool append)
{
    m_loading = true;
    const AuditFilter filter = m_filter;
    const AuditCursor after = m_next;
    const int limit = m_pageSize;
    PgJobSpec spec;
    spec.target = PgTarget::Replica;
    spec.label = QStringLiteral("audit log");
    m_pages->start(
        spec,
        [filter, after, limit](pqxx::transaction_base &tx) {
            return auditlog::fetchPage(tx, filter, after, limit);
        },
        [this, append](PgResult<AuditLogPage> r) {
            m_loading = false;
            if (!r.ok()) {
                if (r.status.code != PgStatus::Cancelled)
                    Q_EMIT failed(r.status.message);
                return;
            }
            m_next = r.value.next;
            Q_EMIT pageLoaded(r.value.entries, append, hasMore());
        });
}

} // namespace switchboard
