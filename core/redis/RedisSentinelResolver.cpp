#include "core/redis/RedisSentinelResolver.h"

#include "core/redis/RedisConnection.h"

namespace switchboard {

RedisSentinelResolver::RedisSentinelResolver(QObject *parent)
    : QObject(parent)
{ }

void RedisSentinelResolver::resolve(const RedisSentinelConfig &config, int timeoutMs, Done done)
{
    cancel();
    m_config = config;
    m_timeoutMs = timeoutMs;
    m_done = std::move(done);
    m_index = 0;
    m_errors.clear();
    tryNext();
}

void RedisSentinelResolver::cancel()
{
    m_done = nullptr;
    if (m_probe) {
        m_probe->deleteLater();
        m_probe = nullptr;
    }
}

void RedisSentinelResolver::tryNext()
{
    if (m_probe) {
        m_probe->deleteLater();
        m_probe = nullptr;
    }
    if (!m_done)
        return;
    if (m_index >= m_config.sentinels.size()) {
        Done done = std::move(m_done);
        m_done = nullptr;
        done(false, {},
             QStringLiteral("no sentinel gave the address of master '%1': %2")
                 .arg(m_config.masterName, m_errors.join(QStringLiteral("; "))));
        return;
    }
    const RedisEndpoint sentinel = m_config.sentinels.at(m_index++);
    RedisConnectionOptions o;
    o.endpoint = sentinel;
    o.username = m_config.username;
    o.password = m_config.password;
    o.clientName.clear();
    o.autoReconnect = false;
    o.connectTimeoutMs = m_timeoutMs;
    o.commandTimeoutMs = m_timeoutMs;
    auto *probe = new RedisConnection(o, this);
    m_probe = probe;
    const QString where = sentinel.host + QLatin1Char(':') + QString::number(sentinel.port);
    probe->send({QByteArrayLiteral("SENTINEL"), QByteArrayLiteral("get-master-addr-by-name"),
                 m_config.masterName.toUtf8()},
                probe, [this, probe, where](const RedisReply &r) {
                    if (probe != m_probe)
                        return;
                    bool portOk = false;
                    const int port
                        = r.isArray() && r.size() == 2 ? r.at(1).data().toInt(&portOk) : 0;
                    if (portOk && m_done) {
                        Done done = std::move(m_done);
                        m_done = nullptr;
                        m_probe = nullptr;
                        probe->deleteLater();
                        done(true, {QString::fromUtf8(r.at(0).data()), port}, {});
                        return;
                    }
                    m_errors << where + QStringLiteral(": ")
                            + (r.isError() ? r.errorMessage() : QStringLiteral("unknown master"));
                    tryNext();
                });
    probe->open();
}

} // namespace switchboard
