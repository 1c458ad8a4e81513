#pragma once
// One dedicated Postgres connection on its own thread doing LISTEN. Notifications are
// emitted as signals (queued to receivers on other threads, i.e. the GUI). When the
// connection breaks it reconnects with backoff and LISTENs again; stateChanged says
// where it is for the status bar.
#include "core/pg/PgConfig.h"

#include <QObject>
#include <QStringList>

#include <atomic>
#include <memory>

class QThread;

namespace switchboard {

class PgListener : public QObject
{
    Q_OBJECT

public:
    PgListener(PgConfig config, QStringList channels, QObject *parent = nullptr);
    ~PgListener() override;

    void start();
    void stop(); // returns once the thread has ended (within ~0.3 s, or a connect timeout)
    PgConnectionState state() const { return m_state; }
    // Backend pid of the listening session (0 when not connected); tests use it.
    int backendPid() const { return m_backendPid; }

signals:
    void notification(const QString &channel, const QString &payload);
    void stateChanged(const switchboard::PgConnectionState &state);

private:
    void runLoop();
    void listenUntilBroken(const std::string &conninfo);
    void report(const PgConnectionState &state);
    void setState(const PgConnectionState &state);

    const PgConfig m_config;
    const QStringList m_channels;
    std::unique_ptr<QThread> m_thread;
    std::atomic<bool> m_stop {false};
    std::atomic<int> m_backendPid {0};
    PgConnectionState m_state; // owner thread
};

} // namespace switchboard
