#pragma once
// The processes view: the fleet tree (host -> layer -> app -> instance) with filter
// (Ctrl+F), sortable columns and keyboard actions; Reload / Restart for the selected app
// or instance (disabled with the reason when this console may not), the selected app's
// PM2 events and this session's actions below.
#include "core/services/ProcessActionRequest.h"

#include <QPointer>
#include <QSet>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QTreeView;

namespace switchboard {

class ActionsPanel;
class ControlChannel;
class ProcessEventLog;
class ProcessEventsPanel;
class ProcessProxyModel;
class ProcessTreeModel;

class ProcessesView : public QWidget
{
    Q_OBJECT
public:
    explicit ProcessesView(QWidget *parent = nullptr);

    ProcessTreeModel *model() const { return m_model; }
    QTreeView *tree() const { return m_tree; }
    ActionsPanel *actionsPanel() const { return m_actions; }
    void setEventLog(ProcessEventLog *log);
    void setControl(ControlChannel *control);
    void setNote(const QString &text); // connection state and the like, above the tree

    // What Reload / Restart would act on now (nullopt: nothing actionable selected), and
    // why the buttons are disabled (empty when enabled).
    std::optional<ProcessActionRequest> selectedTarget(ControlAction action) const;
    // Selects the app row of app on host (false: not in the tree yet).
    bool selectApp(const QString &host, const QString &app);
    QString disabledReason() const;

public Q_SLOTS:
    void requestAction(switchboard::ControlAction action); // opens the dialog

Q_SIGNALS:
    // Members of the selected rows: the poller re-reads them on every heartbeat.
    void priorityMembersChanged(const QSet<QByteArray> &members);

private:
    void updateButtons();
    void onCurrentChanged();
    void expandSmallFleet();
    void repaintAges();

    ProcessTreeModel *m_model;
    ProcessProxyModel *m_proxy;
    QTreeView *m_tree;
    QLineEdit *m_filter;
    QPushButton *m_reload;
    QPushButton *m_restart;
    QLabel *m_note;
    QLabel *m_why;
    ProcessEventsPanel *m_events;
    ActionsPanel *m_actions;
    QPointer<ControlChannel> m_control; // replaced when a backend reconnects
    bool m_expandPending = false;
    bool m_rowsCame = false; // rows inserted since the last expand check
};

} // namespace switchboard
