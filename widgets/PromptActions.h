#pragma once
// What the prompts view may ask of its data (app/PromptsFeature implements it with
// PromptCatalog and RollbackService), and the answers, as signals. Reads are superseded
// per kind: a newer request of a kind wins over an older one still running. The view never
// sees a pool, a Redis client or who the operator is.
#include "core/services/PromptSnapshots.h"
#include "core/types/RollbackOutcome.h"

#include <QObject>
#include <QVector>

#include <functional>

namespace switchboard {

class PromptActions : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(const RollbackOutcome &)>;
    using QObject::QObject;

    virtual void loadAgents() = 0;
    // beforeVersion / beforeId 0 = the first page.
    virtual void loadVersions(const QString &agent, qint64 beforeVersion) = 0;
    virtual void loadDeployments(const QString &agent, qint64 beforeId) = 0;
    // Both sides of a diff.
    virtual void loadPair(const QString &agent, qint64 oldVersion, qint64 newVersion) = 0;
    virtual void loadMetrics(const QString &agent) = 0;
    virtual void loadPermissions() = 0;
    virtual void loadUnnotified() = 0;
    // The audited writes: done runs once, with what really happened.
    virtual void rollback(const RollbackRequest &request, Done done) = 0;
    // Tells agents again of a committed deployment that is still its agent's latest.
    virtual void renotify(qint64 deploymentId, Done done) = 0;

Q_SIGNALS:
    void agentsLoaded(const QVector<switchboard::PromptAgentRow> &rows);
    void versionsLoaded(const QString &agent, qint64 beforeVersion,
                        const QVector<switchboard::PromptVersionRow> &rows, bool more);
    void deploymentsLoaded(const QString &agent, qint64 beforeId,
                           const QVector<switchboard::PromptDeploymentRow> &rows, bool more);
    void pairLoaded(const switchboard::PromptVersionDetail &oldVersion,
                    const switchboard::PromptVersionDetail &newVersion);
    void metricsLoaded(const QString &agent,
                       const QVector<switchboard::PromptVersionMetrics> &rows);
    void permissionsLoaded(const switchboard::PromptPermissions &permissions);
    void unnotifiedLoaded(const QVector<switchboard::PromptDeploymentRow> &rows);
    // what: "agents", "versions", …; message: the database's words.
    void failed(const QString &what, const QString &message);
    // A deployment of agent was committed or notified: reload.
    void deploymentsChanged(const QString &agent);
};

} // namespace switchboard
