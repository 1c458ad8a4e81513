#include "widgets/traces/TracesView.h"

#include "widgets/traces/TraceInspector.h"
#include "widgets/traces/TraceSearchView.h"

#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace switchboard {

TracesView::TracesView(TraceSessionModel *sessions, TraceTreeModel *trace, TraceActions *actions,
                       QWidget *parent)
    : QWidget(parent)
    , m_stack(new QStackedWidget(this))
    , m_search(new TraceSearchView(sessions, actions, this))
    , m_inspector(new TraceInspector(trace, actions, this))
{
    m_stack->addWidget(m_search);
    m_stack->addWidget(m_inspector);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);
    connect(m_search, &TraceSearchView::openTraceRequested, this, &TracesView::openSession);
    connect(m_inspector, &TraceInspector::backRequested, this, &TracesView::showSearch);
    connect(m_inspector, &TraceInspector::showPromptRequested, this,
            &TracesView::showPromptRequested);
}

bool TracesView::inspecting() const
{
    return m_stack->currentWidget() == m_inspector;
}

void TracesView::openSession(const QString &sessionId)
{
    m_stack->setCurrentWidget(m_inspector);
    m_inspector->openSession(sessionId);
}

void TracesView::showSearch()
{
    m_stack->setCurrentWidget(m_search);
    m_search->table()->setFocus();
}

} // namespace switchboard
