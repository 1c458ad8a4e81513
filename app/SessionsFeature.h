#pragma once
// The sessions view wired to the app: model, view and tray notifier for the window's
// lifetime under one profile; the delta feed and the context loader for the current Redis
// connection (they live as children of its client, so they go when it goes).
#include "core/services/ConnectionProfile.h"
#include "core/services/ContextLoader.h"
#include "models/SessionFeed.h"
#include "widgets/SessionsView.h"

#include <QObject>
#include <QPointer>

namespace switchboard {

class MainWindow;
class RedisBackend;
class SessionAlertNotifier;
class SessionTableModel;

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
    ConnectionProfile m_profile;
    QPointer<SessionsView> m_view; // owned by the window
    SessionTableModel *m_model; // child of the view
    SessionAlertNotifier *m_notifier;
    QPointer<SessionFeed> m_feed;
    QPointer<ContextLoader> m_loader;
};

} // namespace switchboard
