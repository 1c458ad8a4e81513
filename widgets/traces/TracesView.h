#pragma once
// The Traces tab: session search, and the inspector of one session. openSession() is the
// entry every other view links to (xview.md).
#include <QWidget>

class QStackedWidget;

namespace switchboard {

class PgPool;
class TraceInspector;
class TraceSearchView;

class TracesView : public QWidget
{
    Q_OBJECT
public:
    TracesView(PgPool *pool, const QString &operatorName, QWidget *parent = nullptr);
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
