#pragma once
// The sessions view: every live session with its fill level (sorted fullest first), a
// filter box, the alert list of sessions at or above the alert level with when each got
// there, and the selected session's context composition, loaded on demand. From a session
// one step opens its trace, its recovery events or its prompt (signals; the app wires
// them to the other views).
#include "core/services/ContextLoader.h"
#include "models/SessionSettings.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QModelIndex;
class QTimer;
class QTableView;
class QPushButton;

namespace switchboard {

class ContextCompositionView;
class FillBarDelegate;
class SessionProxyModel;
class SessionTableModel;

class SessionsView : public QWidget
{
    Q_OBJECT
public:
    // loader may be null (no Redis yet): selecting a session then says so.
    SessionsView(SessionTableModel *model, ContextLoader *loader, QWidget *parent = nullptr);

    void setLoader(ContextLoader *loader);
    void setStatusText(const QString &text); // feed state: "polling every 2 s", errors

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
    QPointer<ContextLoader> m_loader; // goes with its Redis client
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
    QTimer *m_tick; // repaints the idle / crossed columns each second (no model signal)
    QString m_loadedId;
    bool m_autoSelected = false;
};

} // namespace switchboard
