#include "core/redis/RedisSentinelWatcher.h"

#include "core/redis/RedisSubscriber.h"

namespace switchboard {

RedisSentinelWatcher::RedisSentinelWatcher(const RedisSentinelConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{ }

RedisSentinelWatcher::~RedisSentinelWatcher() = default;

void RedisSentinelWatcher::start()
{
    if (isRunning())
        return;
    for (const RedisEndpoint &sentinel : std::as_const(m_config.sentinels)) {
        RedisConnectionOptions o;
        o.endpoint = sentinel;
        o.username = m_config.username;
        o.password = m_config.password;
        o.clientName.clear();
        o.reconnectMaxMs = 10000;
        auto *subscriber = new RedisSubscriber(o, this);
        connect(subscriber, &RedisSubscriber::message, this,
                [this](const QByteArray &, const QByteArray &payload, const QByteArray &) {
                    // "<name> <old-ip> <old-port> <new-ip> <new-port>"
                    const QList<QByteArray> parts = payload.split(' ');
                    bool ok = false;
                    const int port = parts.size() == 5 ? parts.at(4).toInt(&ok) : 0;
                    if (ok && parts.at(0) == m_config.masterName.toUtf8())
                        emit masterSwitched({QString::fromUtf8(parts.at(3)), port});
                });
        subscriber->subscribe({QByteArrayLiteral("+switch-master")});
        subscriber->open();
        m_subscribers.push_back(subscriber);
    }
}

void RedisSentinelWatcher::stop()
{
    for (RedisSubscriber *s : m_subscribers)
        s->deleteLater();
    m_subscribers.clear();
}

} // namespace switchboard
