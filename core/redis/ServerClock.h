#pragma once
// The Redis server's clock as this console sees it: offset = server TIME - local clock,
// measured through the async RedisClient when the connection comes up and every
// refreshMs after (never blocking the GUI thread). Command request / expiry times and
// heartbeat ages are judged against nowMs(), so a laptop 10 s fast does not show every
// host silent and one 60 s slow does not send commands that are already expired. The
// bridge uses the same clock (Redis TIME) for expiry and heartbeats.
//
// The local clock is injectable (tests: a skewed laptop). Until a first measurement
// succeeds nowMs() is the local clock and isMeasured() is false.
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <functional>
#include <vector>

namespace switchboard {

class RedisClient;
class RedisReply;

class ServerClock : public QObject
{
    Q_OBJECT
public:
    using LocalClock = std::function<qint64()>;

    explicit ServerClock(RedisClient *client, QObject *parent = nullptr);

    void setLocalClock(LocalClock clock); // default: QDateTime::currentMSecsSinceEpoch
    void setRefreshMs(int ms); // default 30 000; takes effect at the next start()
    // Measures now, again every refreshMs, and whenever the client (re)connects.
    void start();
    // One measurement now (a TIME round trip); coalesced with one already in flight.
    void measure();
    // Runs then after a measurement: at once when the clock is measured, else after the
    // next attempt (succeeded or not: check isMeasured()). Dropped if context dies.
    void whenMeasured(QObject *context, std::function<void()> then);

    qint64 nowMs() const { return localMs() + m_offsetMs; } // server time, best estimate
    qint64 localMs() const { return m_local(); }
    bool isMeasured() const { return m_measured; }
    qint64 offsetMs() const { return m_offsetMs; } // server - local
    qint64 roundTripMs() const { return m_roundTripMs; }
    QString lastError() const { return m_lastError; }

    // "seconds microseconds" of a TIME reply as ms; -1 when the reply is not one.
    static qint64 parseTimeReply(const RedisReply &reply);

Q_SIGNALS:
    void measured(qint64 offsetMs);
    void failed(const QString &why);

private:
    void settle();

    RedisClient *m_client;
    LocalClock m_local;
    QTimer m_refresh;
    qint64 m_offsetMs = 0;
    qint64 m_roundTripMs = -1;
    bool m_measured = false;
    bool m_inFlight = false;
    QString m_lastError;
    std::vector<std::pair<QPointer<QObject>, std::function<void()>>> m_waiters;
};

} // namespace switchboard
