#pragma once
#include "core/redis/RedisConnectionOptions.h"

#include <QString>

#include <optional>

namespace switchboard {

// redis://[user[:password]@]host[:port][/db][?timeout=ms&connect_timeout=ms&client_name=x]
// (a lone user-info is the user name, as RFC 3986 and libpq read it)
// rediss://... is the same over TLS.
struct RedisUri
{
    bool tls = false;
    QString host;
    int port = 6379;
    QString username;
    QString password;
    int db = 0;
    int timeoutMs = 5000;
    int connectTimeoutMs = 5000;
    QString clientName = QStringLiteral("switchboard");

    // Returns nullopt and a reason ("redis URI: port 'x' is not a number") on a bad URI.
    static std::optional<RedisUri> parse(const QString &text, QString *error = nullptr);

    // Options for a connection to this URI (TLS files are added by the caller).
    RedisConnectionOptions toOptions() const;
};

} // namespace switchboard
