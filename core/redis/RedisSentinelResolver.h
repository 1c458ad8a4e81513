#pragma once
#include "core/redis/RedisConnectionOptions.h"

#include <QObject>
#include <QPointer>

#include <functional>

namespace switchboard {

class RedisConnection;

// Asks the sentinels, one after the other, where the master called masterName is
// (SENTINEL get-master-addr-by-name). One short-lived connection per question.
class RedisSentinelResolver : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(bool ok, const RedisEndpoint &master, const QString &error)>;

    explicit RedisSentinelResolver(QObject *parent = nullptr);

    // A new call supersedes (cancels) one still running.
    void resolve(const RedisSentinelConfig &config, int timeoutMs, Done done);
    void cancel();

private:
    void tryNext();

    RedisSentinelConfig m_config;
    int m_timeoutMs = 5000;
    Done m_done;
    int m_index = 0;
    QStringList m_errors;
    QPointer<RedisConnection> m_probe;
};

} // namespace switchboard
