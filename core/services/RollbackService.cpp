#include "core/services/RollbackService.h"

#include "core/contract/ActivePrompt.h"
#include "core/contract/Caps.h"
#include "core/contract/Timestamp.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/services/PromptQueries.h"

#include <QDateTime>

#include <nlohmann/json.hpp>

namespace switchboard {

namespace {

constexpr int kWriteTimeoutMs = 10000;
constexpr int kRedisTimeoutMs = 5000;

std::string str(const QString &s)
{
    return s.toStdString();
}

QString whenText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

qint64 msOf(const pqxx::field &field)
{
    return timestamp::parseMs(QByteArray(field.c_str())).value_or(0);
}

// The audit row of a refused attempt: written in the same transaction, so a refusal is on
// record too (nothing else was changed).
void auditRefusal(pqxx::transaction_base &tx, const RollbackRequest &r, const QString &op,
                  const QString &host, const nlohmann::json &params, const QString &why)
{
    nlohmann::json detail = {{"state", "refused"}, {"message", str(why)}};
    tx.exec_params("INSERT INTO agentops.operator_actions (operator, client_host, action, target, "
                   "reason, params, outcome, detail) VALUES ($1, $2, 'rollback', $3, $4, "
                   "$5::jsonb, 'refused', $6::jsonb)",
                   str(op), str(host), "prompt:" + str(r.agent), str(r.reason), params.dump(),
                   detail.dump());
}

} // namespace

RollbackService::RollbackService(PgPool *pool, RedisClient *redis, const Keys &keys,
                                 QString operatorName, QString clientHost, QObject *parent)
    : QObject(parent)
    , m_pool(pool)
    , m_redis(redis)
    , m_keys(keys)
    , m_operator(std::move(operatorName))
    , m_clientHost(std::move(clientHost))
{ }

void RollbackService::setRedis(RedisClient *redis)
{
    m_redis = redis;
}

RollbackOutcome RollbackService::runTransaction(pqxx::transaction_base &tx,
                                                const RollbackRequest &r, const QString &op,
                                                const QString &host)
{
    RollbackOutcome out;
    out.toVersion = r.targetVersion;
    // Serialises rollbacks of one agent; the unique (agent, previous_deployment_id) key is
    // the second guard for writers that do not lock.
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('agentops.prompt:' || $1))",
                   str(r.agent));
    const auto latest = tx.exec_params(
        "SELECT id, version, deployed_by, deployed_at FROM agentops.prompt_deployments "
        "WHERE agent = $1 ORDER BY id DESC LIMIT 1",
        str(r.agent));
    const qint64 currentId = latest.empty() ? 0 : latest[0]["id"].as<qint64>();
    out.fromVersion = latest.empty() ? 0 : latest[0]["version"].as<qint64>();
    nlohmann::json params = {{"to_version", r.targetVersion},
                             {"from_version", out.fromVersion},
                             {"expected_deployment_id", r.expectedDeploymentId},
                             {"override_failed_eval", r.overrideEval}};
    if (r.overrideEval)
        params["override_reason"] = str(r.overrideReason);

    if (currentId != r.expectedDeploymentId) {
        out.code = RollbackOutcome::Raced;
        out.changedDeploymentId = currentId;
        if (!latest.empty()) {
            out.changedBy = QString::fromUtf8(latest[0]["deployed_by"].c_str());
            out.changedAt = msOf(latest[0]["deployed_at"]);
        }
        out.changedToVersion = out.fromVersion;
        out.message = QStringLiteral("Not rolled back: %1's prompt was changed by %2 at %3 (now "
                                     "version %4, deployment #%5). Review again.")
                          .arg(r.agent, out.changedBy, whenText(out.changedAt))
                          .arg(out.changedToVersion)
                          .arg(currentId);
        auditRefusal(tx, r, op, host, params, out.message);
        return out;
    }
    if (currentId != 0 && out.fromVersion == r.targetVersion) {
        out.code = RollbackOutcome::Refused;
        out.message = QStringLiteral("Not rolled back: version %1 is already %2's active version.")
                          .arg(r.targetVersion)
                          .arg(r.agent);
        auditRefusal(tx, r, op, host, params, out.message);
        return out;
    }
    const auto target = tx.exec_params(
        "SELECT model, eval_passed, eval_suite, eval_score FROM agentops.prompt_versions "
        "WHERE agent = $1 AND version = $2",
        str(r.agent), r.targetVersion);
    if (target.empty()) {
        out.code = RollbackOutcome::Refused;
        out.message = QStringLiteral("Not rolled back: %1 has no version %2.")
                          .arg(r.agent)
                          .arg(r.targetVersion);
        return out; // nothing to audit against: the target does not exist
    }
    out.model = QString::fromUtf8(target[0]["model"].c_str());
    const bool evaluated = !target[0]["eval_passed"].is_null();
    const bool passed = evaluated && target[0]["eval_passed"].as<bool>();
    if (!passed && !(r.overrideEval && !r.overrideReason.trimmed().isEmpty())) {
        out.code = RollbackOutcome::FailedEval;
        const QString suite = QString::fromUtf8(target[0]["eval_suite"].c_str());
        out.message = evaluated
            ? QStringLiteral("Not rolled back: version %1 failed its evaluation%2. Override "
                             "explicitly, with a reason, to deploy it anyway.")
                  .arg(r.targetVersion)
                  .arg(suite.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(suite))
            : QStringLiteral("Not rolled back: version %1 was never evaluated. Override "
                             "explicitly, with a reason, to deploy it anyway.")
                  .arg(r.targetVersion);
        auditRefusal(tx, r, op, host, params, out.message);
        return out;
    }
    const pqxx::row inserted = tx.exec_params1(
        "INSERT INTO agentops.prompt_deployments (agent, version, deployed_by, kind, reason, "
        "previous_version, previous_deployment_id) VALUES ($1, $2, $3, 'rollback', $4, "
        "NULLIF($5, 0), NULLIF($6, 0)) RETURNING id, deployed_at",
        str(r.agent), r.targetVersion, str(op), str(r.reason), out.fromVersion, currentId);
    out.deploymentId = inserted[0].as<qint64>();
    out.deployedAt = msOf(inserted[1]);
    const nlohmann::json detail
        = {{"deployment_id", out.deploymentId}, {"state", "committed"}, {"notified", false}};
    tx.exec_params("INSERT INTO agentops.operator_actions (operator, client_host, action, target, "
                   "reason, params, outcome, detail) VALUES ($1, $2, 'rollback', $3, $4, "
                   "$5::jsonb, 'succeeded', $6::jsonb)",
                   str(op), str(host), "prompt:" + str(r.agent), str(r.reason), params.dump(),
                   detail.dump());
    out.code = RollbackOutcome::NotNotified; // until Redis says otherwise
    out.message = QStringLiteral("Rolled back %1 from version %2 to version %3 (deployment #%4).")
                      .arg(r.agent)
                      .arg(out.fromVersion)
                      .arg(r.targetVersion)
                      .arg(out.deploymentId);
    return out;
}

void RollbackService::rollback(const RollbackRequest &request, Done done)
{
    RollbackOutcome invalid;
    invalid.code = RollbackOutcome::Refused;
    invalid.toVersion = request.targetVersion;
    if (request.agent.trimmed().isEmpty())
        invalid.message = QStringLiteral("Not rolled back: no agent given.");
    else if (request.targetVersion < 1)
        invalid.message = QStringLiteral("Not rolled back: no target version given.");
    else if (request.reason.trimmed().isEmpty())
        invalid.message = QStringLiteral("Not rolled back: a reason is required.");
    else if (request.reason.size() > caps::kMessage)
        invalid.message = QStringLiteral("Not rolled back: the reason is over 16 KiB.");
    else if (request.overrideEval && request.overrideReason.trimmed().isEmpty())
        invalid.message = QStringLiteral("Not rolled back: an override needs its own reason.");
    if (!m_pool) {
        invalid.code = RollbackOutcome::DatabaseError;
        invalid.message = QStringLiteral("Not rolled back: the Postgres connection was closed.");
    }
    if (!invalid.message.isEmpty()) {
        done(invalid);
        return;
    }
    PgJobSpec spec;
    spec.readOnly = false;
    spec.timeoutMs = kWriteTimeoutMs;
    spec.label = QStringLiteral("rollback of %1").arg(request.agent);
    const QString op = m_operator;
    const QString host = m_clientHost;
    m_pool->submit(
        spec, this,
        [request, op, host](pqxx::transaction_base &tx) {
            return runTransaction(tx, request, op, host);
        },
        [this, request, done](PgResult<RollbackOutcome> result) {
            if (!result.ok()) {
                RollbackOutcome out;
                out.toVersion = request.targetVersion;
                // By SQLSTATE, or by the server's words where a driver layer lost the state.
                const QString &state = result.status.sqlState;
                const QString &text = result.status.message;
                if (state == QLatin1String("23505")
                    || text.contains(QLatin1String("prompt_deployments_one_successor"))) {
                    // The unique successor key: a writer that did not take the lock won.
                    out.code = RollbackOutcome::Raced;
                    explainRace(out, request.agent, done);
                    return;
                }
                if (state == QLatin1String("42501")
                    || text.contains(QLatin1String("permission denied"))) {
                    out.code = RollbackOutcome::NoPermission;
                    out.message = QStringLiteral("Not rolled back: the database refused: %1")
                                      .arg(result.status.message);
                } else {
                    out.code = RollbackOutcome::DatabaseError;
                    out.message = QStringLiteral("Not rolled back (nothing changed): %1")
                                      .arg(result.status.message);
                }
                done(out);
                return;
            }
            const RollbackOutcome out = result.value;
            if (!out.committed()) {
                done(out);
                return;
            }
            Q_EMIT deploymentsChanged(request.agent);
            notify(out, request.agent, false, done);
        });
}

void RollbackService::explainRace(RollbackOutcome out, const QString &agent, Done done)
{
    if (!m_pool) {
        out.message = QStringLiteral("Not rolled back: %1's prompt was changed by someone else.")
                          .arg(agent);
        done(out);
        return;
    }
    PgJobSpec spec;
    spec.label = QStringLiteral("latest deployment of %1").arg(agent);
    m_pool->submit(
        spec, this,
        [agent](pqxx::transaction_base &tx) { return PromptQueries::latestDeployment(tx, agent); },
        [out, agent, done](PgResult<std::optional<PromptDeploymentRow>> result) mutable {
            if (result.ok() && result.value) {
                const PromptDeployment &d = result.value->deployment;
                out.changedBy = d.deployedBy;
                out.changedAt = d.deployedAt;
                out.changedToVersion = d.version;
                out.changedDeploymentId = d.id;
            }
            out.message
                = QStringLiteral("Not rolled back: %1's prompt was changed by %2 at %3 "
                                 "(now version %4). Review again.")
                      .arg(agent,
                           out.changedBy.isEmpty() ? QStringLiteral("someone else") : out.changedBy,
                           whenText(out.changedAt))
                      .arg(out.changedToVersion);
            done(out);
        });
}

void RollbackService::renotify(qint64 deploymentId, Done done)
{
    if (!m_pool) {
        RollbackOutcome out;
        out.message = QStringLiteral("Not sent: the Postgres connection was closed.");
        done(out);
        return;
    }
    PgJobSpec spec;
    spec.label = QStringLiteral("deployment #%1").arg(deploymentId);
    m_pool->submit(
        spec, this,
        [deploymentId](pqxx::transaction_base &tx) {
            RollbackOutcome out;
            const auto rows = tx.exec_params(
                "SELECT d.agent, d.version, d.deployed_at, v.model, "
                "(SELECT max(id) FROM agentops.prompt_deployments l WHERE l.agent = d.agent) "
                "AS latest FROM agentops.prompt_deployments d JOIN agentops.prompt_versions v "
                "ON v.agent = d.agent AND v.version = d.version WHERE d.id = $1",
                deploymentId);
            out.deploymentId = deploymentId;
            if (rows.empty()) {
                out.code = RollbackOutcome::Refused;
                out.message
                    = QStringLiteral("Not sent: there is no deployment #%1.").arg(deploymentId);
                return std::make_pair(QString(), out);
            }
            const QString agent = QString::fromUtf8(rows[0]["agent"].c_str());
            out.toVersion = rows[0]["version"].as<qint64>();
            out.deployedAt = msOf(rows[0]["deployed_at"]);
            out.model = QString::fromUtf8(rows[0]["model"].c_str());
            if (rows[0]["latest"].as<qint64>() != deploymentId) {
                out.code = RollbackOutcome::Raced;
                out.message = QStringLiteral("Not sent: deployment #%1 of %2 is no longer the "
                                             "latest (#%3 is); agents keep the current one.")
                                  .arg(deploymentId)
                                  .arg(agent)
                                  .arg(rows[0]["latest"].as<qint64>());
                return std::make_pair(agent, out);
            }
            out.code = RollbackOutcome::NotNotified;
            out.message = QStringLiteral("Deployment #%1 of %2 (version %3)")
                              .arg(deploymentId)
                              .arg(agent)
                              .arg(out.toVersion);
            return std::make_pair(agent, out);
        },
        [this, done](PgResult<std::pair<QString, RollbackOutcome>> result) {
            if (!result.ok()) {
                RollbackOutcome out;
                out.code = RollbackOutcome::DatabaseError;
                out.message = QStringLiteral("Not sent: %1").arg(result.status.message);
                done(out);
                return;
            }
            if (result.value.second.code != RollbackOutcome::NotNotified) {
                done(result.value.second);
                return;
            }
            notify(result.value.second, result.value.first, true, done);
        });
}

void RollbackService::notify(RollbackOutcome outcome, const QString &agent, bool audit, Done done)
{
    const auto fail = [outcome, done](const QString &why) {
        RollbackOutcome failed = outcome;
        failed.code = RollbackOutcome::NotNotified;
        failed.notifyError = why;
        failed.message += QStringLiteral(" Committed, but agents were NOT notified: %1. The "
                                         "deployment shows \"not yet notified\"; retry.")
                              .arg(why);
        done(failed);
    };
    if (!m_redis) {
        fail(QStringLiteral("no Redis is configured"));
        return;
    }
    ActivePrompt active;
    active.agent = agent;
    active.version = outcome.toVersion;
    active.model = outcome.model;
    active.deploymentId = outcome.deploymentId;
    active.deployedAt = outcome.deployedAt;
    QList<QByteArray> hset {QByteArrayLiteral("HSET"), m_keys.prompt(agent)};
    hset += active.toFields().toFlatList();
    const QList<QByteArray> publish {QByteArrayLiteral("PUBLISH"), m_keys.promptActivated(),
                                     active.toActivationMessage()};
    m_redis->pipeline(
        {hset, publish}, this,
        [this, outcome, agent, audit, done, fail](const QList<RedisReply> &replies) mutable {
            for (const RedisReply &reply : replies) {
                if (reply.isError()) {
                    fail(reply.errorMessage());
                    return;
                }
            }
            if (replies.size() != 2) {
                fail(QStringLiteral("Redis gave %1 replies to 2 commands").arg(replies.size()));
                return;
            }
            recordNotification(outcome, agent, audit, done);
        },
        kRedisTimeoutMs);
}

void RollbackService::recordNotification(RollbackOutcome outcome, const QString &agent, bool audit,
                                         Done done)
{
    if (!m_pool) {
        outcome.code = RollbackOutcome::NotNotified;
        outcome.notifyError = QStringLiteral("Redis was updated, but the Postgres connection "
                                             "closed before it was recorded");
        outcome.message += QLatin1Char(' ') + outcome.notifyError;
        done(outcome);
        return;
    }
    PgJobSpec spec;
    spec.readOnly = false;
    spec.timeoutMs = kWriteTimeoutMs;
    spec.label = QStringLiteral("notification of deployment #%1").arg(outcome.deploymentId);
    const QString op = m_operator;
    const QString host = m_clientHost;
    const qint64 id = outcome.deploymentId;
    const qint64 version = outcome.toVersion;
    m_pool->submit(
        spec, this,
        [id, op, host, agent, audit, version](pqxx::transaction_base &tx) {
            tx.exec_params("INSERT INTO agentops.prompt_notifications (deployment_id, notified_by) "
                           "VALUES ($1, $2)",
                           id, str(op));
            if (audit) {
                const nlohmann::json params = {{"deployment_id", id}, {"version", version}};
                const nlohmann::json detail = {{"state", "notified"}};
                tx.exec_params(
                    "INSERT INTO agentops.operator_actions (operator, client_host, action, "
                    "target, reason, params, outcome, detail) VALUES ($1, $2, 'renotify', $3, "
                    "'retry of a notification that had failed', $4::jsonb, 'succeeded', "
                    "$5::jsonb)",
                    str(op), str(host), "prompt:" + str(agent), params.dump(), detail.dump());
            }
            return true;
        },
        [this, outcome, agent, done](PgResult<bool> result) mutable {
            if (!result.ok()) {
                // Agents were told; only the record failed. Saying "not notified" is the
                // safe side: a retry re-sends the same values.
                outcome.code = RollbackOutcome::NotNotified;
                outcome.notifyError = QStringLiteral("Redis was updated, but recording it in "
                                                     "Postgres failed: %1")
                                          .arg(result.status.message);
                outcome.message += QLatin1Char(' ') + outcome.notifyError;
            } else {
                outcome.code = RollbackOutcome::Notified;
                outcome.message += QStringLiteral(" Agents notified.");
            }
            Q_EMIT deploymentsChanged(agent);
            done(outcome);
        });
}

} // namespace switchboard
