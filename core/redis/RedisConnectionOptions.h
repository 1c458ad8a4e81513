#pragma once
#include "core/redis/RedisTlsOptions.h"

#include <QList>
#include <QString>

namespace switchboard {

struct RedisEndpoint
{
    QString host;
    int port = 6379;
};

// Sentinel mode: the master's address is asked from these sentinels on every (re)connect.
struct RedisSentinelConfig
{
    QList<RedisEndpoint> sentinels;
    QString masterName;
    QString username; // for the sentinels themselves (optional)
    QString password;
    bool isEnabled() const { return !sentinels.isEmpty() && !masterName.isEmpty(); }
};

struct RedisConnectionOptions
{
    RedisEndpoint endpoint {QStringLiteral("127.0.0.1"), 6379};
    QString username; // ACL user; empty = legacy AUTH password
    QString password;
    int db = 0;
    bool tls = false;
    RedisTlsOptions tlsOptions;
    RedisSentinelConfig sentinel;
    QString clientName = QStringLiteral("switchboard");

    int commandTimeoutMs = 5000; // default per-command timeout
    int connectTimeoutMs = 5000; // TCP + TLS + handshake
    // One reply over this fails its request alone (RedisReply::isOversized()); the
    // connection stays up and the bytes past the cap are skipped, not buffered.
    qint64 maxReplyBytes = qint64(64) * 1024 * 1024;
    // Elements all the arrays of one reply may announce (each costs a pointer before its
    // bytes arrive): far above any bounded read the console makes. Over it, likewise.
    qint64 maxReplyElements = qint64(1024) * 1024;
    int reconnectMinMs = 250; // backoff doubles from here ...
    int reconnectMaxMs = 30000; // ... up to here, with jitter
    int failedRetryMs = 30000; // after an auth / TLS failure; 0 = never retry
    bool autoReconnect = true; // false for one-shot probes (sentinel queries)
};

} // namespace switchboard
