#pragma once
// The sessions view: every live session with its fill level (sorted fullest first), a
// filter box, the alert list of sessions at or above the alert level with when each got
// there, and the selected session's context composition, loaded on demand. From a session
// one step opens its trace, its recovery events or its prompt (signals; the app wires
// them to the other views). It draws the model it is handed; the composition comes
// through SessionsActions (app/SessionsFeature owns the loader and the feed).
#include "core/contract/ContextComposition.h"
#include "models/SessionSettings.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QModelIndex;
class QTableView;
class QPushButton;

namespace switchboard {

class ContextCompositionView;
class FillBarDelegate;
class SessionProxyModel;
class SessionTableModel;
class VisibleTimer;

// What the view asks of whoever reads Redis for it.
class SessionsActions
{
public:
    virtual ~SessionsActions() = default;
    // One session's context composition; answered by showContext / showContextError.
    // A newer request supersedes an older one.
    virtual void loadContext(const QString &sessionId) = 0;
    virtual void cancelContext() = 0; // forget the pending request, if any
};

class SessionsView : public QWidget
{
    Q_OBJECT
public:
    // actions may be null (no Redis yet): selecting a session then says so.
    SessionsView(SessionTableModel *model, SessionsActions *actions, QWidget *parent = nullptr);

    void setActions(SessionsActions *actions); // null: not connected
    // The answers to SessionsActions::loadContext (older sessions' answers are dropped).
    void showContext(const switchboard::ContextComposition &composition);
    void showContextError(const QString &sessionId, const QString &message);
    void setStatusText(const QString &text); // feed state: "polling every 2 s", errors
    // The feed's last poll (SessionFeed::polled) and its errors (SessionFeed::failed).
    void showPoll(qint64 polledAtMs, int commands, int changed, int left);
    void showPollFailed(const QString &message);

    QString currentSessionId() const;
    bool selectSession(const QString &sessionId); // false when not in the (filtered) list

    QTableView *table() const { return m_table; }
    QTableView *alerts() const { return m_alerts; }
    QLineEdit *filter() const { return m_filter; }
    SessionProxyModel *proxy() const { return m_proxy; }
    ContextCompositionView *composition() const { return m_composition; }
    QString summaryText() const;

    // New levels: the model re-evaluates its alerts, the bars recolour.
    void applySettings(const SessionSettings &settings);

public Q_SLOTS:
    void reloadComposition();
    void editThresholds(); // the thresholds dialog; on OK applySettings + settingsChanged

Q_SIGNALS:
    void openTraceRequested(const QString &sessionId);
    void showSessionEventsRequested(const QString &sessionId);
    void showPromptRequested(const QString &agent, int version);
    void settingsChanged(const switchboard::SessionSettings &settings); // to be saved

private:
    static constexpr int kSettleIntervalMs = 250; // re-sort changed rows at most this often

    void buildActions();
    void onCurrentChanged(const QModelIndex &current);
    void updateSummary();

    SessionTableModel *m_model;
    SessionsActions *m_actions = nullptr;
    SessionProxyModel *m_proxy;
    SessionProxyModel *m_alertProxy;
    FillBarDelegate *m_fillDelegate;
    QLineEdit *m_filter;
    QLabel *m_summary;
    QLabel *m_feedState;
    QTableView *m_table;
    QTableView *m_alerts;
    QLabel *m_alertTitle;
    ContextCompositionView *m_composition;
    QPushButton *m_traceButton;
    QPushButton *m_eventsButton;
    QPushButton *m_promptButton;
    QPushButton *m_thresholdsButton;
    VisibleTimer *m_tick = nullptr; // repaints the idle / crossed columns each second
    QString m_loadedId;
    bool m_autoSelected = false;
};

} // namespace switchboard
