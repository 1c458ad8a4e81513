#pragma once
// One dedicated Postgres connection on its own thread doing LISTEN. Notifications are
// emitted as signals (queued to receivers on other threads, i.e. the GUI). When the
// connection breaks it reconnects with backoff and LISTENs again; stateChanged says
// where it is for the status bar.
#include "core/pg/PgConfig.h"

#include <QObject>
#include <QStringList>

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
    // Returns once the thread has ended (within ~0.3 s) or, when it is stuck connecting
    // to a server that does not answer, after stopGraceMs: the thread is then left to
    // end on its own (ThreadGraveyard) and emits nothing more.
    void stop();
    static constexpr int stopGraceMs = 1000;
    PgConnectionState state() const { return m_state; }
    // Backend pid of the listening session (0 when not connected); tests use it.
    int backendPid() const;

    struct Shared; // what the listening thread may touch, possibly after this is gone

signals:
    void notification(const QString &channel, const QString &payload);
    void stateChanged(const switchboard::PgConnectionState &state);

private:
    static void runLoop(const std::shared_ptr<Shared> &shared, const PgConfig &config,
                        const QStringList &channels);
    static void listenUntilBroken(const std::shared_ptr<Shared> &shared,
                                  const std::string &conninfo, const QStringList &channels);
    void setState(const PgConnectionState &state);

    const PgConfig m_config;
    const QStringList m_channels;
    QThread *m_thread = nullptr;
    std::shared_ptr<Shared> m_shared;
    PgConnectionState m_state; // owner thread
};

} // namespace switchboard
