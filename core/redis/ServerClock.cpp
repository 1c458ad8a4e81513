#include "core/redis/ServerClock.h"

#include "core/redis/RedisClient.h"
#include "core/redis/RedisReply.h"

#include <QDateTime>
#include <QElapsedTimer>

#include <memory>

namespace switchboard {

namespace {
// A measurement whose round trip took longer than this is kept only when there is no
// better one: its midpoint may be off by half of it.
constexpr qint64 kSlowRoundTripMs = 2000;
} // namespace

ServerClock::ServerClock(RedisClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_local([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    m_refresh.setInterval(30000);
    connect(&m_refresh, &QTimer::timeout, this, &ServerClock::measure);
}

void ServerClock::setLocalClock(LocalClock clock)
{
    m_local = std::move(clock);
}

void ServerClock::setRefreshMs(int ms)
{
    m_refresh.setInterval(qMax(100, ms));
}

void ServerClock::start()
{
    connect(m_client, &RedisClient::ready, this, &ServerClock::measure, Qt::UniqueConnection);
    m_refresh.start();
    measure();
}

void ServerClock::whenMeasured(QObject *context, std::function<void()> then)
{
    if (m_measured) {
        then();
        return;
    }
    m_waiters.emplace_back(QPointer<QObject>(context), std::move(then));
    measure();
}

qint64 ServerClock::parseTimeReply(const RedisReply &reply)
{
    if (!reply.isArray() || reply.size() != 2 || !reply.at(0).isString() || !reply.at(1).isString())
        return -1;
    bool okS = false, okU = false;
    const qint64 seconds = reply.at(0).data().toLongLong(&okS);
    const qint64 micros = reply.at(1).data().toLongLong(&okU);
    if (!okS || !okU || seconds <= 0 || micros < 0 || micros >= 1000000)
        return -1;
    return seconds * 1000 + micros / 1000;
}

void ServerClock::measure()
{
    if (m_inFlight)
        return;
    m_inFlight = true;
    const qint64 sentLocal = m_local();
    auto rtt = std::make_shared<QElapsedTimer>();
    rtt->start();
    m_client->command({"TIME"}, this, [this, sentLocal, rtt](const RedisReply &r) {
        m_inFlight = false;
        const qint64 roundTrip = rtt->elapsed();
        const qint64 server = parseTimeReply(r);
        if (server < 0) {
            m_lastError = r.isError() ? r.errorMessage()
                                      : QStringLiteral("TIME answered %1").arg(r.toDebugText());
            Q_EMIT failed(m_lastError);
        } else if (!m_measured || roundTrip <= kSlowRoundTripMs || roundTrip <= m_roundTripMs) {
            // The server read its clock somewhere in the round trip: assume the middle.
            m_offsetMs = server - (sentLocal + roundTrip / 2);
            m_roundTripMs = roundTrip;
            m_measured = true;
            m_lastError.clear();
            Q_EMIT measured(m_offsetMs);
        }
        settle();
    });
}

void ServerClock::settle()
{
    auto waiters = std::exchange(m_waiters, {});
    for (auto &[context, then] : waiters) {
        if (context)
            then();
    }
}

} // namespace switchboard
