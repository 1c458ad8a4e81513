#include "core/redis/RedisUri.h"

#include <QUrl>
#include <QUrlQuery>

#include <limits>

namespace switchboard {

namespace {
std::optional<RedisUri> fail(QString *error, const QString &why)
{
    if (error)
        *error = QStringLiteral("redis URI: ") + why;
    return std::nullopt;
}

// Accepts "250", "250ms", "5s".
bool parseDuration(const QString &text, int *ms)
{
    bool ok = false;
    if (text.endsWith(QLatin1String("ms"))) {
        *ms = text.chopped(2).toInt(&ok);
    } else if (text.endsWith(QLatin1Char('s'))) {
        // Checked before the product, which overflowed from 2147484s on (found by
        // fuzz_redis_uri).
        const int s = text.chopped(1).toInt(&ok);
        if (s <= 0 || s > std::numeric_limits<int>::max() / 1000)
            return false;
        *ms = s * 1000;
    } else {
        *ms = text.toInt(&ok);
    }
    return ok && *ms > 0;
}
} // namespace

std::optional<RedisUri> RedisUri::parse(const QString &text, QString *error)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!url.isValid())
        return fail(error,
                    QStringLiteral("'%1' is not a valid URI: %2").arg(text, url.errorString()));
    RedisUri uri;
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("rediss"))
        uri.tls = true;
    else if (scheme != QLatin1String("redis"))
        return fail(error,
                    QStringLiteral("scheme must be redis:// or rediss://, not '%1'").arg(scheme));
    uri.host = url.host();
    if (uri.host.isEmpty())
        return fail(error, QStringLiteral("'%1' has no host").arg(text));
    uri.port = url.port(6379);
    if (uri.port <= 0 || uri.port > 65535)
        return fail(error, QStringLiteral("port %1 is out of range").arg(uri.port));
    // RFC 3986 user-info, as libpq reads postgres:// URIs: redis://user@host names the ACL
    // user (its password comes from the keychain, the environment or a prompt),
    // redis://user:pass@host both, redis://:pass@host the legacy AUTH pass. redis-cli -u
    // reads a lone user-info as a password; we do not: `rediss://oncall@host` must
    // authenticate as oncall, never as `default`.
    uri.username = url.userName(QUrl::FullyDecoded);
    uri.password = url.password(QUrl::FullyDecoded);
    const QString path = url.path();
    if (!path.isEmpty() && path != QLatin1String("/")) {
        bool ok = false;
        uri.db = path.mid(1).toInt(&ok);
        if (!ok || uri.db < 0)
            return fail(error, QStringLiteral("database '%1' is not a number").arg(path.mid(1)));
    }
    const QUrlQuery query(url);
    for (const auto &item : query.queryItems(QUrl::FullyDecoded)) {
        if (item.first == QLatin1String("timeout")) {
            if (!parseDuration(item.second, &uri.timeoutMs))
                return fail(error,
                            QStringLiteral("timeout '%1' is not a duration").arg(item.second));
        } else if (item.first == QLatin1String("connect_timeout")) {
            if (!parseDuration(item.second, &uri.connectTimeoutMs))
                return fail(
                    error,
                    QStringLiteral("connect_timeout '%1' is not a duration").arg(item.second));
        } else if (item.first == QLatin1String("client_name")) {
            uri.clientName = item.second;
        } else {
            return fail(error, QStringLiteral("unknown option '%1'").arg(item.first));
        }
    }
    return uri;
}

RedisConnectionOptions RedisUri::toOptions() const
{
    RedisConnectionOptions o;
    o.endpoint = {host, port};
    o.username = username;
    o.password = password;
    o.db = db;
    o.tls = tls;
    o.commandTimeoutMs = timeoutMs;
    o.connectTimeoutMs = connectTimeoutMs;
    o.clientName = clientName;
    return o;
}

} // namespace switchboard
