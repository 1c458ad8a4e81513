#include "app/SessionsFeature.h"

#include "app/MainWindow.h"
#include "core/contract/Keys.h"
#include "core/redis/RedisClient.h"
#include "core/redis/ServerClock.h"
#include "core/services/ContextLoader.h"
#include "core/services/RedisBackend.h"
#include "models/SessionFeed.h"
#include "models/SessionTableModel.h"
#include "widgets/SessionAlertNotifier.h"
#include "widgets/SessionsView.h"

#include <QDateTime>
#include <QPointer>
#include <QSettings>

namespace switchboard {

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
    delete m_feed;
    delete m_loader;
    // The window keeps the tab until the next profile's view replaces it (main.cpp does
    // that without returning to the event loop), then this one goes.
    if (m_view)
        m_view->deleteLater();
}

void SessionsFeature::setRedis(RedisBackend *redis)
{
    delete m_feed;
    delete m_loader;
    if (!m_view)
        return;
    m_view->setLoader(nullptr);
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
    connect(m_feed, &SessionFeed::statusChanged, m_view, &SessionsView::setStatusText);
    m_view->setLoader(m_loader);
    m_feed->start();
}

} // namespace switchboard
