#pragma once
#include "core/redis/RedisConnectionOptions.h"

#include <QObject>

#include <vector>

namespace switchboard {

class RedisSubscriber;

// Listens to +switch-master on every sentinel, so a connection follows a failover the
// moment it happens, even when the old master stays up (SENTINEL FAILOVER) and would
// otherwise keep serving the console as a replica.
class RedisSentinelWatcher : public QObject
{
    Q_OBJECT
public:
    explicit RedisSentinelWatcher(const RedisSentinelConfig &config, QObject *parent = nullptr);
    ~RedisSentinelWatcher() override;

    void start();
    void stop();
    bool isRunning() const { return !m_subscribers.empty(); }

Q_SIGNALS:
    void masterSwitched(const switchboard::RedisEndpoint &newMaster);

private:
    RedisSentinelConfig m_config;
    std::vector<RedisSubscriber *> m_subscribers;
};

} // namespace switchboard
