#pragma once
// The prompts view: agents with their active version (left); for the selected agent its
// versions with evaluation and recovery rates, and its deployment timeline (right, top); the
// selected version's body or a diff of two versions (right, bottom). Rolling back goes
// through RollbackDialog and RollbackService; the action is disabled, with the reason, when
// the Postgres role may not execute the rollback functions, and a deployment Redis never heard
// of is offered again (one whose prompt hash already carries it is shown as notified).
#include "core/contract/Keys.h"
#include "core/services/PromptSnapshots.h"
#include "core/services/RollbackService.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableView;

namespace switchboard {

class DiffView;
class PgPool;
class PromptAgentModel;
class PromptCatalog;
class PromptDeploymentModel;
class PromptSortProxy;
class PromptVersionModel;
class RedisClient;
class RollbackDialog;

class PromptsView : public QWidget
{
    Q_OBJECT
public:
    PromptsView(PgPool *pool, RedisClient *redis, const Keys &keys, const QString &operatorName,
                const QString &clientHost, QWidget *parent = nullptr);
    ~PromptsView() override;

    void start(); // first loads, then a refresh every refreshMs
    void shutdown(); // the connection is going away: stop asking
    void setRedis(RedisClient *redis);
    void setRefreshInterval(int ms) { m_refresh.setInterval(ms); }

    // For tests and screenshots.
    PromptAgentModel *agentModel() const { return m_agents; }
    PromptVersionModel *versionModel() const { return m_versions; }
    PromptDeploymentModel *deploymentModel() const { return m_deployments; }
    QTableView *agentTable() const { return m_agentTable; }
    QTableView *versionTable() const { return m_versionTable; }
    QPushButton *rollbackButton() const { return m_rollback; }
    QPushButton *retryButton() const { return m_retry; }
    QString rollbackBlockedReason() const { return m_blockedReason; }
    QString outcomeText() const;
    QString noticeText() const;
    DiffView *diffView() const { return m_diff; }
    QPlainTextEdit *bodyView() const { return m_body; }
    QString selectedAgent() const { return m_agent; }
    bool diffReady() const;
    // Builds the confirmation for the selected version (not shown); null when not possible.
    RollbackDialog *createRollbackDialog();
    // Runs the rollback the dialog describes (what the Roll back button does after Accept).
    void confirmRollback(const RollbackDialog &dialog);

public Q_SLOTS:
    void showAgent(const QString &agent, int version);

Q_SIGNALS:
    void rollbackFinished(const switchboard::RollbackOutcome &outcome);

private:
    void buildUi();
    void refresh();
    void selectAgent(const QString &agent);
    void onAgents(const QVector<PromptAgentRow> &rows);
    void applyPendingSelection(); // showAgent's version (or the active one) once it is listed
    void onVersionSelection();
    void onPair(const PromptVersionDetail &a, const PromptVersionDetail &b);
    void onVersion(const PromptVersionDetail &detail);
    void updateRollbackState();
    void startRollback();
    void retryNotification();
    void showOutcome(const RollbackOutcome &outcome);
    const PromptAgentRow *currentAgentRow() const;
    QList<qint64> selectedVersions() const;

    PromptCatalog *m_catalog;
    RollbackService *m_service;
    PromptAgentModel *m_agents;
    PromptVersionModel *m_versions;
    PromptDeploymentModel *m_deployments;
    PromptSortProxy *m_agentProxy;
    PromptSortProxy *m_versionProxy;
    PromptSortProxy *m_deploymentProxy;

    QLabel *m_notice; // unnotified deployments
    QPushButton *m_retry;
    QLabel *m_outcome; // the last action's true outcome
    QLabel *m_permission;
    QLineEdit *m_agentFilter;
    QLineEdit *m_versionFilter;
    QLineEdit *m_deploymentFilter;
    QTableView *m_agentTable;
    QTableView *m_versionTable;
    QTableView *m_deploymentTable;
    QTabWidget *m_historyTabs;
    QTabWidget *m_detailTabs;
    QPlainTextEdit *m_body;
    DiffView *m_diff;
    QPushButton *m_rollback;

    Keys m_keys;
    QString m_agent;
    qint64 m_activeVersion = -1; // of m_agent, as last seen
    qint64 m_pendingVersion = -1; // showAgent's version, selected when the page arrives
    PromptPermissions m_permissions;
    bool m_permissionsKnown = false;
    QString m_blockedReason;
    QVector<PromptDeploymentRow> m_unnotified;
    // The last loaded pair (for the diff tab and the rollback dialog).
    PromptVersionDetail m_pairOld;
    PromptVersionDetail m_pairNew;
    bool m_pairLoaded = false;
    bool m_busy = false; // a rollback or retry is running
    bool m_stopped = false;
    QTimer m_refresh;
};

} // namespace switchboard
