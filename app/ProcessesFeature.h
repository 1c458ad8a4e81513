#pragma once
// Wires the processes view to the backends. The feature owns the tree model (handed to the
// view), the delta poller of `N procs` and the event log that feed it as soon as Redis is
// there, and the control channel (reload / restart) once Redis and Postgres both are; the
// view reaches the log and the channel through ProcessServices (its ProcessActions), which
// stays while they come and go. Heartbeat ages and command times use the Redis server's
// clock (ServerClock). Owned by ConsoleController.
#include "core/redis/RedisConnectionOptions.h"
#include "core/services/ConnectionProfile.h"
#include "widgets/ProcessActions.h"

#include <QObject>
#include <QPointer>

namespace switchboard {

class ControlChannel;
class IndexDeltaPoller;
class MainWindow;
class PostgresBackend;
class ProcessEventLog;
class ProcessesView;
class ProcessTreeModel;
class RedisBackend;
class ServerClock;

// The processes view's event log and control channel, whichever are there now.
class ProcessServices final : public ProcessActions
{
    Q_OBJECT
public:
    using ProcessActions::ProcessActions;

    void setEventLog(ProcessEventLog *log); // null: none (no Redis)
    void setControl(ControlChannel *control); // null: none (not both backends)

    bool canControl() const override;
    ControlPermission permission() const override;
    int request(const ProcessActionRequest &request) override;
    QVector<LoggedProcessEvent> eventsFor(const QString &host, const QString &app,
                                          int max) const override;

private:
    QPointer<ProcessEventLog> m_log;
    QPointer<ControlChannel> m_control;
};

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
    ProcessTreeModel *model() const { return m_model; }

private:
    void maybeStartControl();

    ConnectionProfile m_profile;
    ProcessServices *m_services; // child
    ProcessTreeModel *m_model; // the view's child
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
