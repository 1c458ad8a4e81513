#pragma once
// The prompts view: agents with their active version (left); for the selected agent its
// versions with evaluation and recovery rates, and its deployment timeline (right, top); the
// selected version's body or a diff of two versions (right, bottom). Rolling back goes
// through RollbackDialog and PromptActions::rollback; the action is disabled, with the
// reason, when the Postgres role may not execute the rollback functions, and a deployment
// Redis never heard of is offered again (one whose prompt hash already carries it is shown
// as notified). The models and the actions come from app/PromptsFeature.
#include "core/services/PromptSnapshots.h"
#include "core/types/RollbackOutcome.h"
#include "widgets/PromptActions.h"

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
class PromptAgentModel;
class PromptDeploymentModel;
class PromptSortProxy;
class PromptVersionModel;
class RollbackDialog;

class PromptsView : public QWidget
{
    Q_OBJECT
public:
    // The models become the view's children; actions stays its owner's (the view stops
    // asking when it goes).
    PromptsView(PromptAgentModel *agents, PromptVersionModel *versions,
                PromptDeploymentModel *deployments, PromptActions *actions,
                QWidget *parent = nullptr);
    ~PromptsView() override;

    void start(); // first loads, then a refresh every refreshMs
    void shutdown(); // the connection is going away: stop asking
    void setRefreshInterval(int ms) { m_refresh.setInterval(ms); }

    // For tests, screenshots and the soak probe.
    PromptActions *actions() const { return m_actions; }
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

    QPointer<PromptActions> m_actions;
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
