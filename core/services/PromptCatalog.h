#pragma once
// The prompts view's reads, off the GUI thread: each kind of read has its own JobTracker,
// so a newer request (another agent selected) supersedes an older one and a slow old answer
// never overwrites a newer one. All reads are READ ONLY, bounded and keyset-paged.
#include "core/pg/JobTracker.h"
#include "core/services/PromptRecords.h"

#include <QObject>

namespace switchboard {

class PromptCatalog : public QObject
{
    Q_OBJECT
public:
    static constexpr int kPageSize = 500;

    explicit PromptCatalog(PgPool *pool, QObject *parent = nullptr);

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
    static PgJobSpec spec(const QString &label, PgTarget target = PgTarget::Primary);
    bool poolGone(const QString &what); // the profile's connections were closed

    QPointer<PgPool> m_pool;
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
