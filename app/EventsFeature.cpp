#include "app/EventsFeature.h"

#include "app/MainWindow.h"
#include "core/contract/Keys.h"
#include "core/services/PostgresBackend.h"
#include "widgets/EventsView.h"

namespace switchboard {

EventsFeature::EventsFeature(const ConnectionProfile &profile, MainWindow &window, QObject *parent)
    : QObject(parent)
    , m_streamKey(Keys(profile.keyNamespace.toUtf8()).recoveryEvents())
    , m_view(window.findChild<EventsView *>())
{
    if (!m_view) {
        m_view = new EventsView(EventsView::Options());
        m_view->setObjectName(QStringLiteral("eventsView"));
        window.setViewWidget(MainWindow::Events, m_view);
    }
}

EventsFeature::~EventsFeature()
{
    if (m_view)
        m_view->detach();
}

void EventsFeature::setRedis(const RedisConnectionOptions &options)
{
    if (m_view)
        m_view->setRedis(options, m_streamKey);
}

void EventsFeature::setPostgres(PostgresBackend *backend)
{
    // The pool is there at once, but only a usable schema makes its tables readable.
    connect(backend, &PostgresBackend::statusChanged, this, [this, backend] {
        if (m_view)
            m_view->setPostgres(backend->schemaUsable() ? backend->pool() : nullptr);
    });
    connect(backend, &QObject::destroyed, this, [this] {
        if (m_view)
            m_view->setPostgres(nullptr);
    });
}

} // namespace switchboard
