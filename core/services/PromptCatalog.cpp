#include "core/services/PromptCatalog.h"

#include "core/redis/RedisClient.h"
#include "core/services/PromptQueries.h"

namespace switchboard {

PromptCatalog::PromptCatalog(PgPool *pool, QObject *parent)
    : QObject(parent)
    , m_pool(pool)
    , m_agents(pool, this)
    , m_versions(pool, this)
    , m_deployments(pool, this)
    , m_version(pool, this)
    , m_pair(pool, this)
    , m_metrics(pool, this)
    , m_permissions(pool, this)
    , m_unnotified(pool, this)
{ }

void PromptCatalog::setRedis(RedisClient *redis, const Keys &keys)
{
    m_redis = redis;
    m_keys = keys;
}

void PromptCatalog::readRedisIds(const QStringList &agents, quint64 *counter,
                                 std::function<void(const RedisIds &)> done)
{
    const quint64 generation = ++*counter;
    if (agents.isEmpty()) {
        done(QHash<QString, qint64>());
        return;
    }
    if (!m_redis || m_redis->state() != RedisConnection::State::Ready) {
        done(std::nullopt);
        return;
    }
    QList<QList<QByteArray>> commands;
    for (const QString &agent : agents)
        commands.append(
            {QByteArrayLiteral("HGET"), m_keys.prompt(agent), QByteArrayLiteral("deployment_id")});
    m_redis->pipeline(
        commands, this,
        [generation, counter, agents, done](const QList<RedisReply> &replies) {
            if (generation != *counter)
                return; // a newer load asked again
            if (replies.size() != agents.size()) {
                done(std::nullopt);
                return;
            }
            QHash<QString, qint64> ids;
            for (int i = 0; i < agents.size(); ++i) {
                const RedisReply &r = replies.at(i);
                if (r.isError()) {
                    done(std::nullopt); // WRONGTYPE, timeout, …: nothing is known
                    return;
                }
                bool ok = false;
                const qint64 id = r.isString() ? r.data().toLongLong(&ok) : 0;
                ids.insert(agents.at(i), ok && id > 0 ? id : 0);
            }
            done(ids);
        },
        kRedisTimeoutMs);
}

bool PromptCatalog::poolGone(const QString &what)
{
    if (m_pool)
        return false;
    Q_EMIT failed(what, QStringLiteral("the Postgres connection was closed"));
    return true;
}

PgJobSpec PromptCatalog::spec(const QString &label, PgTarget target)
{
    PgJobSpec s;
    s.target = target;
    s.readOnly = true;
    s.label = label;
    return s;
}

void PromptCatalog::loadAgents()
{
    if (poolGone(QStringLiteral("agents")))
        return;
    ++m_agentsRedis; // an older answer still waiting for Redis is superseded
    // The active version must be current (a rollback was just made): the primary.
    m_agents.start(spec(QStringLiteral("prompt agents")), &PromptQueries::agents,
                   [this](PgResult<QVector<PromptAgentRow>> r) {
                       if (!r.ok()) {
                           ++m_agentsRedis;
                           Q_EMIT failed(QStringLiteral("agents"), r.status.message);
                           return;
                       }
                       QStringList unrecorded;
                       for (const PromptAgentRow &row : std::as_const(r.value))
                           if (row.hasDeployment && !row.active.notifiedAt)
                               unrecorded << row.agent;
                       readRedisIds(unrecorded, &m_agentsRedis,
                                    [this, rows = std::move(r.value)](const RedisIds &ids) mutable {
                                        for (PromptAgentRow &row : rows)
                                            if (ids && ids->contains(row.agent))
                                                row.redisDeploymentId = ids->value(row.agent);
                                        Q_EMIT agentsLoaded(rows);
                                    });
                   });
}

int PromptCatalog::nextPageSize(const PageRun &run, const QString &agent, qint64 before) const
{
    const int first = qMax(1, m_paging.first);
    if (before == 0 || run.lastKey != before || run.agent != agent)
        return first;
    return qBound(first, run.size * qMax(1, m_paging.growth), qMax(first, m_paging.max));
}

void PromptCatalog::pageLoaded(PageRun *run, const QString &agent, qint64 before, qint64 lastKey,
                               int size)
{
    // A refreshed first page does not end a run further down the same list.
    if (before == 0 && run->agent == agent && run->lastKey != 0 && run->lastKey < lastKey)
        return;
    *run = {agent, lastKey, size};
}

void PromptCatalog::loadVersions(const QString &agent, qint64 beforeVersion)
{
    if (poolGone(QStringLiteral("versions")))
        return;
    const int size = nextPageSize(m_versionPages, agent, beforeVersion);
    // One row more than a page tells whether there is a next page.
    m_versions.start(
        spec(QStringLiteral("prompt versions of %1").arg(agent), PgTarget::Replica),
        [agent, beforeVersion, size](pqxx::transaction_base &tx) {
            return PromptQueries::versions(tx, agent, beforeVersion, size + 1);
        },
        [this, agent, beforeVersion, size](PgResult<QVector<PromptVersionRow>> r) {
            if (!r.ok()) {
                Q_EMIT failed(QStringLiteral("versions"), r.status.message);
                return;
            }
            const bool more = r.value.size() > size;
            if (more)
                r.value.resize(size);
            pageLoaded(&m_versionPages, agent, beforeVersion,
                       more ? r.value.constLast().version.version : 0, size);
            Q_EMIT versionsLoaded(agent, beforeVersion, r.value, more);
        });
}

void PromptCatalog::loadDeployments(const QString &agent, qint64 beforeId)
{
    if (poolGone(QStringLiteral("deployments")))
        return;
    ++m_deploymentsRedis;
    const int size = nextPageSize(m_deploymentPages, agent, beforeId);
    m_deployments.start(
        spec(QStringLiteral("deployments of %1").arg(agent)),
        [agent, beforeId, size](pqxx::transaction_base &tx) {
            return PromptQueries::deployments(tx, agent, beforeId, size + 1);
        },
        [this, agent, beforeId, size](PgResult<QVector<PromptDeploymentRow>> r) {
            if (!r.ok()) {
                ++m_deploymentsRedis;
                Q_EMIT failed(QStringLiteral("deployments"), r.status.message);
                return;
            }
            const bool more = r.value.size() > size;
            if (more)
                r.value.resize(size);
            pageLoaded(&m_deploymentPages, agent, beforeId,
                       more ? r.value.constLast().deployment.id : 0, size);
            bool unrecorded = false;
            for (const PromptDeploymentRow &row : std::as_const(r.value))
                unrecorded = unrecorded || !row.deployment.notifiedAt;
            readRedisIds(unrecorded ? QStringList {agent} : QStringList {}, &m_deploymentsRedis,
                         [this, agent, beforeId, more,
                          rows = std::move(r.value)](const RedisIds &ids) mutable {
                             if (ids && ids->contains(agent))
                                 for (PromptDeploymentRow &row : rows)
                                     row.redisDeploymentId = ids->value(agent);
                             Q_EMIT deploymentsLoaded(agent, beforeId, rows, more);
                         });
        });
}

void PromptCatalog::loadVersion(const QString &agent, qint64 version)
{
    if (poolGone(QStringLiteral("version")))
        return;
    m_version.start(
        spec(QStringLiteral("prompt %1/%2").arg(agent).arg(version), PgTarget::Replica),
        [agent, version](pqxx::transaction_base &tx) {
            return PromptQueries::version(tx, agent, version);
        },
        [this](PgResult<PromptVersionDetail> r) {
            if (!r.ok())
                Q_EMIT failed(QStringLiteral("version"), r.status.message);
            else
                Q_EMIT versionLoaded(r.value);
        });
}

void PromptCatalog::loadPair(const QString &agent, qint64 oldVersion, qint64 newVersion)
{
    if (poolGone(QStringLiteral("diff")))
        return;
    m_pair.start(
        spec(QStringLiteral("prompt diff %1/%2..%3").arg(agent).arg(oldVersion).arg(newVersion),
             PgTarget::Replica),
        [agent, oldVersion, newVersion](pqxx::transaction_base &tx) {
            return std::make_pair(PromptQueries::version(tx, agent, oldVersion),
                                  PromptQueries::version(tx, agent, newVersion));
        },
        [this](PgResult<std::pair<PromptVersionDetail, PromptVersionDetail>> r) {
            if (!r.ok())
                Q_EMIT failed(QStringLiteral("diff"), r.status.message);
            else
                Q_EMIT pairLoaded(r.value.first, r.value.second);
        });
}

void PromptCatalog::loadMetrics(const QString &agent)
{
    if (poolGone(QStringLiteral("metrics")))
        return;
    m_metrics.start(
        spec(QStringLiteral("recovery rates of %1").arg(agent), PgTarget::Replica),
        [agent](pqxx::transaction_base &tx) { return PromptQueries::metrics(tx, agent); },
        [this, agent](PgResult<QVector<PromptVersionMetrics>> r) {
            if (!r.ok())
                Q_EMIT failed(QStringLiteral("metrics"), r.status.message);
            else
                Q_EMIT metricsLoaded(agent, r.value);
        });
}

void PromptCatalog::loadPermissions()
{
    if (poolGone(QStringLiteral("permissions")))
        return;
    m_permissions.start(spec(QStringLiteral("rollback permission")), &PromptQueries::permissions,
                        [this](PgResult<PromptPermissions> r) {
                            if (!r.ok())
                                Q_EMIT failed(QStringLiteral("permissions"), r.status.message);
                            else
                                Q_EMIT permissionsLoaded(r.value);
                        });
}

void PromptCatalog::loadUnnotified()
{
    if (poolGone(QStringLiteral("unnotified")))
        return;
    ++m_unnotifiedRedis;
    m_unnotified.start(spec(QStringLiteral("unnotified deployments")), &PromptQueries::unnotified,
                       [this](PgResult<QVector<PromptDeploymentRow>> r) {
                           if (!r.ok()) {
                               ++m_unnotifiedRedis;
                               Q_EMIT failed(QStringLiteral("unnotified"), r.status.message);
                               return;
                           }
                           QStringList agents;
                           for (const PromptDeploymentRow &row : std::as_const(r.value))
                               agents << row.deployment.agent;
                           readRedisIds(
                               agents, &m_unnotifiedRedis,
                               [this, rows = std::move(r.value)](const RedisIds &ids) mutable {
                                   for (PromptDeploymentRow &row : rows)
                                       if (ids && ids->contains(row.deployment.agent))
                                           row.redisDeploymentId = ids->value(row.deployment.agent);
                                   Q_EMIT unnotifiedLoaded(rows);
                               });
                       });
}

} // namespace switchboard
