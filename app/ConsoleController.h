#pragma once
// Wires the backends a profile or the command line names to the main window: creates
// them, forwards their status, and owns them for the window's lifetime.
#include "app/AppOptions.h"
#include "core/services/ConnectionProfile.h"

#include <QObject>

#include <memory>

namespace switchboard {

class EventsFeature;
class MainWindow;
class MemoryTrimmer;
class PostgresBackend;
class ProcessesFeature;
class PromptsFeature;
class RedisBackend;
class SecretStore;
class SessionsFeature;
class TracesFeature;

class ConsoleController : public QObject
{
    Q_OBJECT
public:
    ConsoleController(ConnectionProfile profile, MainWindow &window, QObject *parent = nullptr);
    ~ConsoleController() override;

    void start();
    // `--trace ID|auto` and the screenshot directory (TracesFeature::setStartup).
    void setTracesStartup(const QString &session, const QString &screenshotDir);
    PostgresBackend *postgres() const { return m_postgres.get(); }
    RedisBackend *redis() const { return m_redis.get(); }

    // The profile the command line describes: --profile loaded from settings, then
    // --redis / --pg / --namespace / --operator override its fields.
    static ConnectionProfile profileFor(const AppOptions &options, QString *error);

private:
    ConnectionProfile m_profile;
    MainWindow &m_window;
    void startRedis(const QString &password);
    ProcessesFeature *processes(); // created on first use
    void startPostgres(const QString &password);
    // After an authentication failure with no password known: ask once, non-modally.
    void askPassword(bool redis, const QString &reason);
    static bool isAuthFailure(const QString &text);

    std::unique_ptr<PostgresBackend> m_postgres;
    std::unique_ptr<RedisBackend> m_redis;
    std::unique_ptr<EventsFeature> m_events; // after the backends: goes first
    std::unique_ptr<PromptsFeature> m_prompts; // after the backends: goes first
    std::unique_ptr<TracesFeature> m_traces; // after the backends: goes first
    SecretStore *m_secrets = nullptr;
    bool m_askedRedis = false;
    bool m_askedPostgres = false;
    ProcessesFeature *m_processes = nullptr; // the processes view and its data
    std::unique_ptr<SessionsFeature> m_sessions; // last: goes before the backends
    MemoryTrimmer *m_trimmer; // child: freed pages back to the system every 30 s
};

} // namespace switchboard
