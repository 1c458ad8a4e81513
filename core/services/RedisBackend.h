#pragma once
// The console's Redis command connection plus what the status bar needs to know about
// it: state, endpoint, server version, round trip. Built from a ConnectionProfile and a
// password the caller found (keychain, environment, prompt).
#include "core/redis/RedisConnectionOptions.h"
#include "core/services/BackendStatus.h"
#include "core/services/ConnectionProfile.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <optional>

namespace switchboard {

class RedisClient;
class ServerClock;

class RedisBackend : public QObject
{
    Q_OBJECT
public:
    // Options for a profile: URI or Sentinel set, TLS files. Returns nullopt and *error
    // when the profile cannot describe a Redis connection.
    static std::optional<RedisConnectionOptions>
    optionsFor(const ConnectionProfile &profile, const QString &password, QString *error);

    explicit RedisBackend(const RedisConnectionOptions &options, QObject *parent = nullptr);
    ~RedisBackend() override;

    void start();
    RedisClient *client() const { return m_client; }
    // The Redis server's clock (TIME, measured on every connect and every 30 s): the one
    // clock every view judges ages, cursors and command times against.
    ServerClock *clock() const { return m_clock; }
    const BackendStatus &status() const { return m_status; }
    QString serverVersion() const { return m_serverVersion; }

Q_SIGNALS:
    void statusChanged(const switchboard::BackendStatus &status);

private:
    void onStateChanged();
    void probe();
    void publish(BackendStatus::State state, const QString &summary, const QString &detail);

    RedisClient *m_client;
    ServerClock *m_clock;
    BackendStatus m_status;
    QString m_serverVersion;
    double m_roundTripMs = -1;
    QTimer m_countdown; // refreshes "reconnecting in N s"
};

} // namespace switchboard
