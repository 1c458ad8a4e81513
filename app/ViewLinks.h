#pragma once
// The one-step links between views: a session opens its trace, its recovery events or
// its prompt version; an event opens its session's trace; a span names its prompt. Views
// only emit what they want to show; this connects each to the view that shows it and
// brings that view to the front. Views come and go with connections (the traces view is
// installed once Postgres is usable), so targets are looked up when a link is used.
#include "app/MainWindow.h"

#include <QObject>
#include <QPointer>

namespace switchboard {

class EventsView;
class PromptsView;
class TracesView;

class ViewLinks : public QObject
{
    Q_OBJECT
public:
    explicit ViewLinks(MainWindow &window);

    void openTrace(const QString &sessionId);
    void showSessionEvents(const QString &sessionId);
    void showPrompt(const QString &agent, int version);

private:
    void install(MainWindow::View view, QWidget *widget);

    MainWindow &m_window;
    QPointer<EventsView> m_events;
    QPointer<PromptsView> m_prompts;
    QPointer<TracesView> m_traces;
};

} // namespace switchboard
