#include "core/services/PromptQueries.h"

#include "core/contract/Caps.h"
#include "core/contract/RecordFields.h"

#include <nlohmann/json.hpp>

namespace switchboard {

namespace {

const char *const kDeploymentColumns
    = "id, agent, version, deployed_at, deployed_by, db_role, kind, reason, previous_version, "
      "previous_deployment_id, notified_at";

// Versions are listed without bodies; the parser needs one, so a stand-in is given and
// dropped again. The body's real size is checked against its cap separately.
const QByteArray kBodyStandIn = QByteArrayLiteral("-");

QString oversizeBody(qint64 bytes)
{
    return QStringLiteral("field body is %1 bytes, over the %2-byte cap")
        .arg(bytes)
        .arg(caps::kPromptBody);
}

PromptVersionRow versionRowOf(const pqxx::row &row)
{
    RecordFields fields = PromptQueries::fieldsOf(row);
    PromptVersionRow out;
    out.bodyBytes = row["body_bytes"].as<qint64>(0);
    if (!fields.contains("body"))
        fields.set("body", kBodyStandIn);
    if (const auto *params = fields.find("params"); params && *params)
        out.paramsText = QString::fromUtf8(**params);
    const QString id = QString::fromUtf8(row["agent"].c_str()) + QLatin1Char('/')
        + QString::fromUtf8(row["version"].c_str());
    const auto parsed = PromptVersion::parse(fields, id);
    out.version = parsed.value();
    out.version.body.clear();
    if (!parsed.isOk())
        out.problem = parsed.message();
    else if (out.bodyBytes > caps::kPromptBody)
        out.problem = QStringLiteral("prompt version %1: %2").arg(id, oversizeBody(out.bodyBytes));
    else if (!out.version.params.is_null() && !out.version.params.is_object())
        out.problem
            = QStringLiteral("prompt version %1: field params is not a JSON object").arg(id);
    return out;
}

} // namespace

RecordFields PromptQueries::fieldsOf(const pqxx::row &row)
{
    RecordFields fields;
    for (const auto &field : row) {
        const QByteArray name(field.name());
        if (field.is_null())
            fields.setNull(name);
        else
            fields.set(name, QByteArray(field.c_str(), int(field.size())));
    }
    return fields;
}

PromptDeploymentRow PromptQueries::deploymentOf(const pqxx::row &row)
{
    const auto parsed
        = PromptDeployment::parse(fieldsOf(row), QString::fromUtf8(row["id"].c_str()));
    PromptDeploymentRow out;
    out.deployment = parsed.value();
    if (!parsed.isOk())
        out.problem = parsed.message();
    return out;
}

QVector<PromptAgentRow> PromptQueries::agents(pqxx::transaction_base &tx)
{
    // One index probe per agent (prompt_deployments (agent, id DESC)), not a scan of
    // every deployment. The agent list itself comes from the version keys.
    const std::string sql = std::string("SELECT a.agent, v.model AS active_model, ")
        + "d.id, d.version, d.deployed_at, d.deployed_by, d.db_role, d.kind, d.reason, "
          "d.previous_version, d.previous_deployment_id, d.notified_at "
          "FROM (SELECT DISTINCT agent FROM agentops.prompt_versions ORDER BY agent LIMIT "
        + std::to_string(kAgentLimit)
        + ") a LEFT JOIN LATERAL (SELECT * FROM agentops.prompt_deployment_status s "
          "WHERE s.agent = a.agent ORDER BY s.id DESC LIMIT 1) d ON true "
          "LEFT JOIN agentops.prompt_versions v ON v.agent = a.agent AND v.version = d.version "
          "ORDER BY a.agent";
    QVector<PromptAgentRow> out;
    for (const auto &row : tx.exec(sql)) {
        PromptAgentRow agent;
        agent.agent = QString::fromUtf8(row["agent"].c_str());
        agent.activeModel = QString::fromUtf8(row["active_model"].c_str());
        agent.hasDeployment = !row["id"].is_null();
        if (agent.hasDeployment) {
            RecordFields fields = fieldsOf(row);
            fields.set("agent", agent.agent.toUtf8());
            const auto parsed
                = PromptDeployment::parse(fields, QString::fromUtf8(row["id"].c_str()));
            agent.active = parsed.value();
            if (!parsed.isOk())
                agent.problem = parsed.message();
        }
        out.append(agent);
    }
    return out;
}

QVector<PromptVersionRow> PromptQueries::versions(pqxx::transaction_base &tx, const QString &agent,
                                                  qint64 beforeVersion, int limit)
{
    const auto result = tx.exec_params(
        "SELECT agent, version, model, params::text AS params, created_at, created_by, note, "
        "eval_suite, eval_score, eval_passed, octet_length(body) AS body_bytes "
        "FROM agentops.prompt_versions WHERE agent = $1 AND ($2 = 0 OR version < $2) "
        "ORDER BY version DESC LIMIT $3",
        agent.toStdString(), beforeVersion, limit);
    QVector<PromptVersionRow> out;
    out.reserve(int(result.size()));
    for (const auto &row : result)
        out.append(versionRowOf(row));
    return out;
}

QVector<PromptDeploymentRow> PromptQueries::deployments(pqxx::transaction_base &tx,
                                                        const QString &agent, qint64 beforeId,
                                                        int limit)
{
    const auto result = tx.exec_params(std::string("SELECT ") + kDeploymentColumns
                                           + " FROM agentops.prompt_deployment_status "
                                             "WHERE agent = $1 AND ($2 = 0 OR id < $2) "
                                             "ORDER BY id DESC LIMIT $3",
                                       agent.toStdString(), beforeId, limit);
    QVector<PromptDeploymentRow> out;
    out.reserve(int(result.size()));
    for (const auto &row : result)
        out.append(deploymentOf(row));
    if (beforeId == 0 && !out.isEmpty())
        out.first().latest = true; // newest first: the first row of the first page
    return out;
}

std::optional<PromptDeploymentRow> PromptQueries::latestDeployment(pqxx::transaction_base &tx,
                                                                   const QString &agent)
{
    const auto rows = deployments(tx, agent, 0, 1);
    if (rows.isEmpty())
        return std::nullopt;
    return rows.first();
}

PromptVersionDetail PromptQueries::version(pqxx::transaction_base &tx, const QString &agent,
                                           qint64 version)
{
    // The body over its cap is never sent: the size says enough.
    const auto result = tx.exec_params(
        "SELECT agent, version, model, params::text AS params, created_at, created_by, note, "
        "eval_suite, eval_score, eval_passed, octet_length(body) AS body_bytes, "
        "CASE WHEN octet_length(body) <= $3 THEN body END AS body "
        "FROM agentops.prompt_versions WHERE agent = $1 AND version = $2",
        agent.toStdString(), version, qint64(caps::kPromptBody));
    PromptVersionDetail out;
    out.agent = agent;
    out.version = version;
    if (result.empty())
        return out;
    out.found = true;
    const pqxx::row row = result[0];
    RecordFields fields = fieldsOf(row);
    out.bodyBytes = row["body_bytes"].as<qint64>(0);
    const bool oversize = out.bodyBytes > caps::kPromptBody;
    if (oversize)
        fields.set("body", kBodyStandIn);
    if (const auto *params = fields.find("params"); params && *params)
        out.paramsText = QString::fromUtf8(**params);
    const QString id = agent + QLatin1Char('/') + QString::number(version);
    const auto parsed = PromptVersion::parse(fields, id);
    out.value = parsed.value();
    if (!parsed.isOk()) {
        out.problem = parsed.message();
    } else if (oversize) {
        out.value.body.clear();
        out.problem = QStringLiteral("prompt version %1: %2").arg(id, oversizeBody(out.bodyBytes));
    }
    return out;
}

QVector<PromptVersionMetrics> PromptQueries::metrics(pqxx::transaction_base &tx,
                                                     const QString &agent)
{
    // Each of the latest deployments is an interval [deployed_at, next deployed_at); the
    // events in it are counted through recovery_events (agent, at), one index range each.
    const auto result = tx.exec_params(
        "WITH d AS (SELECT version, deployed_at AS s, "
        "  lead(deployed_at) OVER (ORDER BY id) AS e FROM ("
        "    SELECT id, version, deployed_at FROM agentops.prompt_deployments "
        "    WHERE agent = $1 ORDER BY id DESC LIMIT $2) last) "
        "SELECT d.version, count(*) AS intervals, "
        "  sum((extract(epoch FROM (coalesce(d.e, now()) - d.s)) * 1000)::bigint) AS active_ms, "
        "  sum(c.events) AS events, sum(c.failed) AS failed "
        "FROM d CROSS JOIN LATERAL (SELECT count(*) AS events, "
        "  count(*) FILTER (WHERE r.outcome = 'failed') AS failed "
        "  FROM agentops.recovery_events r "
        "  WHERE r.agent = $1 AND r.at >= d.s AND r.at < coalesce(d.e, now())) c "
        "GROUP BY d.version ORDER BY d.version DESC",
        agent.toStdString(), kMetricsIntervals);
    QVector<PromptVersionMetrics> out;
    for (const auto &row : result) {
        PromptVersionMetrics m;
        m.version = row["version"].as<qint64>();
        m.intervals = row["intervals"].as<int>();
        m.activeMs = qMax<qint64>(0, row["active_ms"].as<qint64>(0));
        m.events = row["events"].as<qint64>(0);
        m.failed = row["failed"].as<qint64>(0);
        out.append(m);
    }
    return out;
}

PromptPermissions PromptQueries::permissions(pqxx::transaction_base &tx)
{
    // Since migration 002 a rollback and a notification are function calls: the role needs
    // EXECUTE on both (it has no INSERT on the tables any more). to_regprocedure is NULL on
    // a database without them: no right.
    const pqxx::row row = tx.exec1(
        "SELECT current_user, "
        "coalesce(has_function_privilege(to_regprocedure('agentops.rollback_prompt(text, "
        "integer, bigint, text, text, text, text)'), 'EXECUTE'), false), "
        "coalesce(has_function_privilege(to_regprocedure('agentops.record_prompt_notification("
        "bigint, boolean, text, text, text)'), 'EXECUTE'), false)");
    PromptPermissions p;
    p.role = QString::fromUtf8(row[0].c_str());
    QStringList missing;
    if (!row[1].as<bool>())
        missing << QStringLiteral("agentops.rollback_prompt");
    if (!row[2].as<bool>())
        missing << QStringLiteral("agentops.record_prompt_notification");
    p.canRollback = missing.isEmpty();
    if (!p.canRollback)
        p.reason = QStringLiteral("Postgres role '%1' may not execute %2 (grant it "
                                  "agentops_operator to roll back)")
                       .arg(p.role, missing.join(QStringLiteral(", ")));
    return p;
}

QVector<PromptDeploymentRow> PromptQueries::unnotified(pqxx::transaction_base &tx)
{
    // Only an agent's latest deployment matters: re-sending an older one would activate
    // a version that is no longer current.
    const auto result = tx.exec(
        std::string("SELECT d.* FROM (SELECT DISTINCT agent FROM agentops.prompt_versions LIMIT ")
        + std::to_string(kAgentLimit) + ") a CROSS JOIN LATERAL (SELECT " + kDeploymentColumns
        + " FROM agentops.prompt_deployment_status s "
          "WHERE s.agent = a.agent ORDER BY s.id DESC LIMIT 1) d "
          "WHERE d.notified_at IS NULL ORDER BY d.id");
    QVector<PromptDeploymentRow> out;
    for (const auto &row : result) {
        out.append(deploymentOf(row));
        out.last().latest = true;
    }
    return out;
}

} // namespace switchboard
