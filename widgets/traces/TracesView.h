#pragma once
// The Traces tab: session search, and the inspector of one session. openSession() is the
// entry every other view links to (xview.md). Its models and its actions come from
// app/TracesFeature.
#include <QWidget>

class QStackedWidget;

namespace switchboard {

class TraceActions;
class TraceInspector;
class TraceSearchView;
class TraceSessionModel;
class TraceTreeModel;

class TracesView : public QWidget
{
    Q_OBJECT
public:
    // The models become the view's children; actions stays its owner's (the view stops
    // asking when it goes).
    TracesView(TraceSessionModel *sessions, TraceTreeModel *trace, TraceActions *actions,
               QWidget *parent = nullptr);
    TraceSearchView *searchView() const { return m_search; }
    TraceInspector *inspector() const { return m_inspector; }
    bool inspecting() const;

public Q_SLOTS:
    void openSession(const QString &sessionId);
    void showSearch();

Q_SIGNALS:
    void showPromptRequested(const QString &agent, int version);

private:
    QStackedWidget *m_stack;
    TraceSearchView *m_search;
    TraceInspector *m_inspector;
};

} // namespace switchboard
