#pragma once
// Puts the events view in the main window and hands it its sources as the console's
// backends come up: the Redis options (the view opens its own tail connection) and the
// Postgres pool once the schema is usable. One view per window, reused across profiles.
#include "core/redis/RedisConnectionOptions.h"
#include "core/services/ConnectionProfile.h"
#include "widgets/EventsView.h"

#include <QObject>
#include <QPointer>

namespace switchboard {

class MainWindow;
class PostgresBackend;

class EventsFeature : public QObject
{
    Q_OBJECT
public:
    EventsFeature(const ConnectionProfile &profile, MainWindow &window, QObject *parent = nullptr);
    ~EventsFeature() override; // detaches the view from this profile's sources

    void setRedis(const RedisConnectionOptions &options);
    void setPostgres(PostgresBackend *backend);
    EventsView *view() const { return m_view; }

private:
    QByteArray m_streamKey;
    QPointer<EventsView> m_view;
};

} // namespace switchboard
