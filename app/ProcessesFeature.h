#pragma once
// Wires the processes view to the backends: the delta poller of `N procs` and the event
// log feed the view's model as soon as Redis is there; the control channel (reload /
// restart) appears once Redis and Postgres both are. Heartbeat ages and command times use
// the Redis server's clock (ServerClock). Owned by ConsoleController.
#include "core/redis/RedisConnectionOptions.h"
#include "core/services/ConnectionProfile.h"

#include <QObject>

namespace switchboard {

class ControlChannel;
class IndexDeltaPoller;
class MainWindow;
class PostgresBackend;
class ProcessEventLog;
class ProcessesView;
class RedisBackend;
class ServerClock;

class ProcessesFeature : public QObject
{
    Q_OBJECT
public:
    ProcessesFeature(const ConnectionProfile &profile, MainWindow &window,
                     QObject *parent = nullptr);
    ~ProcessesFeature() override;

    void setRedis(RedisBackend *redis, const RedisConnectionOptions &options);
    void setPostgres(PostgresBackend *postgres);
    ProcessesView *view() const { return m_view; }

private:
    void maybeStartControl();

    ConnectionProfile m_profile;
    ProcessesView *m_view;
    RedisBackend *m_redis = nullptr;
    RedisConnectionOptions m_redisOptions;
    PostgresBackend *m_postgres = nullptr;
    IndexDeltaPoller *m_poller = nullptr;
    ProcessEventLog *m_log = nullptr;
    ControlChannel *m_control = nullptr;
    ServerClock *m_clock = nullptr; // the Redis server's time (heartbeat ages, commands)
};

} // namespace switchboard
