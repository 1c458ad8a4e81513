#include "app/SessionsFeature.h"

#include "app/MainWindow.h"
#include "core/contract/Keys.h"
#include "core/redis/RedisClient.h"
#include "core/redis/ServerClock.h"
#include "core/services/ContextLoader.h"
#include "core/services/RedisBackend.h"
#include "core/services/SessionFeed.h"
#include "models/SessionTableModel.h"
#include "widgets/SessionAlertNotifier.h"
#include "widgets/SessionsView.h"

#include <QDateTime>
#include <QPointer>
#include <QSettings>

namespace switchboard {

SessionContextActions::SessionContextActions(ContextLoader *loader, SessionsView *view)
    : m_loader(loader)
    , m_view(view)
{
    m_loaded = QObject::connect(loader, &ContextLoader::loaded, view, &SessionsView::showContext);
    m_failed
        = QObject::connect(loader, &ContextLoader::failed, view, &SessionsView::showContextError);
    view->setActions(this);
}

SessionContextActions::~SessionContextActions()
{
    QObject::disconnect(m_loaded);
    QObject::disconnect(m_failed);
    if (m_view)
        m_view->setActions(nullptr);
}

void SessionContextActions::loadContext(const QString &sessionId)
{
    if (m_loader)
        m_loader->load(sessionId);
}

void SessionContextActions::cancelContext()
{
    if (m_loader)
        m_loader->cancel();
}

SessionsFeature::SessionsFeature(MainWindow &window, const ConnectionProfile &profile,
                                 QObject *parent)
    : QObject(parent)
    , m_profile(profile)
{
    QSettings settings;
    const SessionSettings sessionSettings = SessionSettings::load(settings);
    m_model = new SessionTableModel(sessionSettings);
    m_view = new SessionsView(m_model, nullptr);
    m_model->setParent(m_view);
    m_notifier = new SessionAlertNotifier(m_model, sessionSettings.notify, m_view);
    connect(m_view, &SessionsView::settingsChanged, m_notifier,
            [notifier = m_notifier](const SessionSettings &chosen) {
                QSettings saved;
                chosen.save(saved);
                notifier->setEnabled(chosen.notify);
            });
    m_view->setStatusText(QStringLiteral("Waiting for Redis…"));
    window.setViewWidget(MainWindow::Sessions, m_view);
}

SessionsFeature::~SessionsFeature()
{
    dropRedis();
    // The window keeps the tab until the next profile's view replaces it (main.cpp does
    // that without returning to the event loop), then this one goes.
    if (m_view)
        m_view->deleteLater();
}

void SessionsFeature::dropRedis()
{
    m_actions.reset();
    delete m_feed;
    delete m_loader;
}

void SessionsFeature::setRedis(RedisBackend *redis)
{
    dropRedis();
    if (!m_view)
        return;
    if (!redis) {
        m_view->setStatusText(QStringLiteral("Not connected to Redis"));
        return;
    }
    RedisClient *client = redis->client();
    const Keys keys(m_profile.keyNamespace.toUtf8());
    m_loader = new ContextLoader(client, keys, client);
    IndexDeltaPoller::Options options = SessionFeed::options(keys);
    // Scores are agents' clocks: the cursor stops at the server's (a fast agent clock must
    // not hide everyone else's updates).
    options.nowMs = [clock = QPointer<ServerClock>(redis->clock())] {
        return clock ? clock->nowMs() : QDateTime::currentMSecsSinceEpoch();
    };
    m_feed = new SessionFeed(client, std::move(options), m_model, client);
    connect(m_feed, &SessionFeed::polled, m_view, &SessionsView::showPoll);
    connect(m_feed, &SessionFeed::failed, m_view, &SessionsView::showPollFailed);
    m_actions = std::make_unique<SessionContextActions>(m_loader, m_view);
    m_feed->start();
}

} // namespace switchboard
