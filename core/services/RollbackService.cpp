#include "core/services/RollbackService.h"

#include "core/contract/ActivePrompt.h"
#include "core/contract/Caps.h"
#include "core/contract/Timestamp.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/services/PromptActivation.h"
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
    // Every rule is the database's (agentops.rollback_prompt, migration 002): the lock, the
    // expected deployment, the evaluation gate, the deployment and its audit row, or a
    // refused audit row. A refusal comes back as a status; only a malformed call raises.
    const std::optional<std::string> overrideReason
        = r.overrideEval ? std::optional<std::string>(str(r.overrideReason)) : std::nullopt;
    const pqxx::row row = tx.exec_params1(
        "SELECT status, message, deployment_id, deployed_at, from_version, to_version, model, "
        "current_deployment_id, changed_by, changed_db_role, changed_at, audit_id "
        "FROM agentops.rollback_prompt($1, $2, $3, $4, $5, $6, $7)",
        str(r.agent), r.targetVersion, r.expectedDeploymentId, str(r.reason), overrideReason,
        str(op), str(host));
    RollbackOutcome out;
    const std::string status = row["status"].as<std::string>();
    out.message = QString::fromUtf8(row["message"].c_str());
    out.fromVersion = row["from_version"].as<qint64>(0);
    out.toVersion = row["to_version"].as<qint64>(r.targetVersion);
    out.auditId = row["audit_id"].as<qint64>(0);
    if (status == "committed") {
        out.code = RollbackOutcome::NotNotified; // until Redis says otherwise
        out.deploymentId = row["deployment_id"].as<qint64>();
        out.deployedAt = msOf(row["deployed_at"]);
        out.model = QString::fromUtf8(row["model"].c_str());
    } else if (status == "raced") {
        out.code = RollbackOutcome::Raced;
        out.changedDeploymentId = row["current_deployment_id"].as<qint64>(0);
        out.changedBy = QString::fromUtf8(row["changed_by"].c_str());
        out.changedDbRole = QString::fromUtf8(row["changed_db_role"].c_str());
        out.changedAt = row["changed_at"].is_null() ? 0 : msOf(row["changed_at"]);
        out.changedToVersion = out.fromVersion;
    } else if (status == "failed_eval") {
        out.code = RollbackOutcome::FailedEval;
    } else if (status == "refused") {
        out.code = RollbackOutcome::Refused;
    } else {
        out.code = RollbackOutcome::DatabaseError;
        out.message = QStringLiteral("Not rolled back: the database answered an unknown status "
                                     "'%1': %2")
                          .arg(QString::fromStdString(status), out.message);
    }
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
                out.changedDbRole = d.dbRole;
                out.changedAt = d.deployedAt;
                out.changedToVersion = d.version;
                out.changedDeploymentId = d.id;
            }
            out.message = QStringLiteral("Not rolled back: %1's prompt was changed by %2 at %3 "
                                         "(now version %4). Review again.")
                              .arg(agent,
                                   out.changedBy.isEmpty()
                                       ? QStringLiteral("someone else")
                                       : deployedByText(out.changedBy, out.changedDbRole),
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

void RollbackService::notify(RollbackOutcome outcome, const QString &agent, bool renotify,
                             Done done)
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
    // One script: the hash is set (and the message published) only if this deployment is
    // newer than the one Redis holds, so a slower console never moves agents backwards.
    PromptActivation::activate(
        m_redis, m_keys, active, this,
        [this, outcome, agent, renotify, done, fail](const PromptActivationResult &r) mutable {
            switch (r.state) {
            case PromptActivationResult::Set:
                recordNotification(outcome, agent, renotify, false, done);
                return;
            case PromptActivationResult::Already:
                recordNotification(outcome, agent, renotify, true, done);
                return;
            case PromptActivationResult::Newer: {
                // Agents run a newer deployment already; this one must not replace it.
                RollbackOutcome refused = outcome;
                refused.code = RollbackOutcome::NotNotified;
                refused.notifyError = r.describe();
                refused.message += QStringLiteral(" Agents were NOT told of it: %1 (Redis was "
                                                  "left as it is).")
                                       .arg(refused.notifyError);
                Q_EMIT deploymentsChanged(agent);
                done(refused);
                return;
            }
            case PromptActivationResult::Error:
                break;
            }
            fail(r.describe());
        },
        kRedisTimeoutMs);
}

void RollbackService::recordNotification(RollbackOutcome outcome, const QString &agent,
                                         bool renotify, bool alreadyInRedis, Done done)
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
    m_pool->submit(
        spec, this,
        [id, op, host, renotify, alreadyInRedis](pqxx::transaction_base &tx) {
            // The notification row (and a renotify's audit row) through the function: the
            // operator has no INSERT right on these tables.
            const pqxx::row row = tx.exec_params1(
                "SELECT status, message FROM agentops.record_prompt_notification($1, $2, $3, "
                "$4, $5)",
                id, renotify, alreadyInRedis ? "already" : "set", str(op), str(host));
            return std::make_pair(row["status"].as<std::string>(),
                                  QString::fromUtf8(row["message"].c_str()));
        },
        [this, outcome, agent, alreadyInRedis,
         done](PgResult<std::pair<std::string, QString>> result) mutable {
            if (!result.ok()) {
                // Agents were told; only the record failed. Saying "not notified" is the
                // safe side: a retry finds the hash carrying it and only records it.
                outcome.code = RollbackOutcome::NotNotified;
                outcome.notifyError = QStringLiteral("Redis was updated, but recording it in "
                                                     "Postgres failed: %1")
                                          .arg(result.status.message);
                outcome.message += QLatin1Char(' ') + outcome.notifyError;
            } else if (result.value.first != "recorded") {
                // A renotify of a deployment that was superseded while Redis was written.
                outcome.code = RollbackOutcome::Raced;
                outcome.message = QStringLiteral("Not recorded: %1").arg(result.value.second);
            } else {
                outcome.code = RollbackOutcome::Notified;
                outcome.message += alreadyInRedis
                    ? QStringLiteral(" Agents had already been told (Redis carried this "
                                     "deployment); recorded.")
                    : QStringLiteral(" Agents notified.");
            }
            Q_EMIT deploymentsChanged(agent);
            done(outcome);
        });
}

} // namespace switchboard
