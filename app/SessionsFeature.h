#pragma once
// The sessions view wired to the app: model, view and tray notifier for the window's
// lifetime under one profile; the services for the current Redis connection: the delta
// feed (core/services/SessionFeed: parsed slices into the model) and the context loader
// behind the view's SessionsActions (they live as children of the Redis client, so they
// go when it goes).
#include "core/services/ConnectionProfile.h"
#include "widgets/SessionsView.h"

#include <QMetaObject>
#include <QObject>
#include <QPointer>

#include <memory>

namespace switchboard {

class ContextLoader;
class MainWindow;
class RedisBackend;
class SessionAlertNotifier;
class SessionFeed;
class SessionTableModel;

// The view's context requests served by a ContextLoader, its answers shown in the view;
// installs itself as the view's actions and takes itself off again.
class SessionContextActions : public SessionsActions
{
public:
    SessionContextActions(ContextLoader *loader, SessionsView *view);
    ~SessionContextActions() override;
    void loadContext(const QString &sessionId) override;
    void cancelContext() override;

private:
    QPointer<ContextLoader> m_loader;
    QPointer<SessionsView> m_view;
    QMetaObject::Connection m_loaded, m_failed;
};

class SessionsFeature : public QObject
{
    Q_OBJECT
public:
    // Puts the view in the window's Sessions tab (settings from QSettings "sessions/…").
    SessionsFeature(MainWindow &window, const ConnectionProfile &profile,
                    QObject *parent = nullptr);
    ~SessionsFeature() override;

    // The Redis connection to read from (a new one after a password retry), or null.
    void setRedis(RedisBackend *redis);
    SessionsView *view() const { return m_view; }

private:
    void dropRedis();

    ConnectionProfile m_profile;
    QPointer<SessionsView> m_view; // owned by the window
    SessionTableModel *m_model; // child of the view
    SessionAlertNotifier *m_notifier;
    QPointer<SessionFeed> m_feed;
    QPointer<ContextLoader> m_loader;
    std::unique_ptr<SessionContextActions> m_actions;
};

} // namespace switchboard
