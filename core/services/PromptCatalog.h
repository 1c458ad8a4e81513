#pragma once
// The prompts view's reads, off the GUI thread: each kind of read has its own JobTracker,
// so a newer request (another agent selected) supersedes an older one and a slow old answer
// never overwrites a newer one. All reads are READ ONLY, bounded and keyset-paged.
// Next pages grow: a next page asked for right after the previous one (the operator keeps
// scrolling, or walks the whole list) is `growth` times larger, up to `max` rows (still one
// bounded, keyset-paged read), so the 50 000 deployments of a long-lived agent take 8 round
// trips, not 100. A first page, or a page asked from anywhere else, is `first` rows.
// With a Redis client, a deployment without a notification row is checked against
// `N prompt:{agent}` (HGET deployment_id, one pipeline): the truth about whether agents
// were told (NotifiedState).
#include "core/contract/Keys.h"
#include "core/pg/JobTracker.h"
#include "core/services/PromptSnapshots.h"

#include <QHash>
#include <QObject>

#include <functional>

namespace switchboard {

class RedisClient;

class PromptCatalog : public QObject
{
    Q_OBJECT
public:
    struct Paging
    {
        int first = 500;
        int growth = 4;
        int max = 8000; // 500, 2 000, 8 000, 8 000, …
    };

    static constexpr int kRedisTimeoutMs = 3000;

    explicit PromptCatalog(PgPool *pool, QObject *parent = nullptr);
    // Redis to judge "notified" from (null: rows keep what Postgres says).
    void setRedis(RedisClient *redis, const Keys &keys);
    // Page sizes (tests walk a short list in small pages).
    void setPaging(const Paging &paging) { m_paging = paging; }
    const Paging &paging() const { return m_paging; }

    void loadAgents();
    // beforeVersion / beforeId 0 = first page.
    void loadVersions(const QString &agent, qint64 beforeVersion = 0);
    void loadDeployments(const QString &agent, qint64 beforeId = 0);
    void loadVersion(const QString &agent, qint64 version);
    // Both sides of a diff in one job.
    void loadPair(const QString &agent, qint64 oldVersion, qint64 newVersion);
    void loadMetrics(const QString &agent);
    void loadPermissions();
    void loadUnnotified();

Q_SIGNALS:
    void agentsLoaded(const QVector<switchboard::PromptAgentRow> &rows);
    void versionsLoaded(const QString &agent, qint64 beforeVersion,
                        const QVector<switchboard::PromptVersionRow> &rows, bool more);
    void deploymentsLoaded(const QString &agent, qint64 beforeId,
                           const QVector<switchboard::PromptDeploymentRow> &rows, bool more);
    void versionLoaded(const switchboard::PromptVersionDetail &detail);
    void pairLoaded(const switchboard::PromptVersionDetail &oldVersion,
                    const switchboard::PromptVersionDetail &newVersion);
    void metricsLoaded(const QString &agent,
                       const QVector<switchboard::PromptVersionMetrics> &rows);
    void permissionsLoaded(const switchboard::PromptPermissions &permissions);
    void unnotifiedLoaded(const QVector<switchboard::PromptDeploymentRow> &rows);
    // what: "agents", "versions", …; message: the pool's words.
    void failed(const QString &what, const QString &message);

private:
    // Where a list's last page ended: a next page asked from there continues the run.
    struct PageRun
    {
        QString agent;
        qint64 lastKey = 0; // 0: no run
        int size = 0;
    };
    int nextPageSize(const PageRun &run, const QString &agent, qint64 before) const;
    static void pageLoaded(PageRun *run, const QString &agent, qint64 before, qint64 lastKey,
                           int size);

    using RedisIds = std::optional<QHash<QString, qint64>>; // nullopt: could not read
    static PgJobSpec spec(const QString &label, PgTarget target = PgTarget::Primary);
    bool poolGone(const QString &what); // the profile's connections were closed
    // deployment_id of N prompt:{agent} for each agent (0 = no hash or not a number);
    // done(nullopt) at once without a ready Redis. Runs done only if generation is still
    // *counter when Redis answers (a newer load superseded it otherwise).
    void readRedisIds(const QStringList &agents, quint64 *counter,
                      std::function<void(const RedisIds &)> done);

    QPointer<PgPool> m_pool;
    QPointer<RedisClient> m_redis;
    Keys m_keys;
    quint64 m_agentsRedis = 0;
    quint64 m_deploymentsRedis = 0;
    quint64 m_unnotifiedRedis = 0;
    Paging m_paging;
    PageRun m_versionPages;
    PageRun m_deploymentPages;
    JobTracker m_agents;
    JobTracker m_versions;
    JobTracker m_deployments;
    JobTracker m_version;
    JobTracker m_pair;
    JobTracker m_metrics;
    JobTracker m_permissions;
    JobTracker m_unnotified;
};

} // namespace switchboard
