#include "app/ViewLinks.h"

#include "widgets/EventsView.h"
#include "widgets/PromptsView.h"
#include "widgets/SessionsView.h"
#include "widgets/traces/TracesView.h"

namespace switchboard {

ViewLinks::ViewLinks(MainWindow &window)
    : QObject(&window)
    , m_window(window)
{
    connect(&window, &MainWindow::viewInstalled, this, &ViewLinks::install);
    for (int v = 0; v < MainWindow::ViewCount; ++v)
        install(MainWindow::View(v), window.tabs()->widget(v));
}

void ViewLinks::install(MainWindow::View, QWidget *widget)
{
    if (auto *sessions = qobject_cast<SessionsView *>(widget)) {
        connect(sessions, &SessionsView::openTraceRequested, this, &ViewLinks::openTrace,
                Qt::UniqueConnection);
        connect(sessions, &SessionsView::showSessionEventsRequested, this,
                &ViewLinks::showSessionEvents, Qt::UniqueConnection);
        connect(sessions, &SessionsView::showPromptRequested, this, &ViewLinks::showPrompt,
                Qt::UniqueConnection);
    } else if (auto *events = qobject_cast<EventsView *>(widget)) {
        m_events = events;
        connect(events, &EventsView::openTraceRequested, this, &ViewLinks::openTrace,
                Qt::UniqueConnection);
    } else if (auto *prompts = qobject_cast<PromptsView *>(widget)) {
        m_prompts = prompts;
    } else if (auto *traces = qobject_cast<TracesView *>(widget)) {
        m_traces = traces;
        connect(traces, &TracesView::showPromptRequested, this, &ViewLinks::showPrompt,
                Qt::UniqueConnection);
    }
}

// Without the target view (its backend is not connected) the tab still comes to the
// front: its empty state says why nothing can be shown.
void ViewLinks::openTrace(const QString &sessionId)
{
    m_window.showView(MainWindow::Traces);
    if (m_traces)
        m_traces->openSession(sessionId);
}

void ViewLinks::showSessionEvents(const QString &sessionId)
{
    m_window.showView(MainWindow::Events);
    if (m_events)
        m_events->filterSession(sessionId);
}

void ViewLinks::showPrompt(const QString &agent, int version)
{
    m_window.showView(MainWindow::Prompts);
    if (m_prompts)
        m_prompts->showAgent(agent, version);
}

} // namespace switchboard
