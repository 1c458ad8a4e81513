// The Redis URI an operator gives (--redis, a profile): RedisUri::parse, and the profile's
// own checks on the same text (ConnectionProfile::validate, stripPassword).
// Invariants: never throws; a refusal says why ("redis URI: ..."); an accepted URI has a
// host, a port in 1..65535, a database >= 0 and positive timeouts, and toOptions() carries
// exactly those; stripPassword leaves no password in the URI; a URI the profile check
// accepts carries no password for the connection (a profile never stores a secret).
#include "FuzzSupport.h"
#include "core/redis/RedisUri.h"
#include "core/services/ConnectionProfile.h"

#include <QUrl>

using namespace switchboard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(fuzz::bytes(data, size));
    QString error;
    const std::optional<RedisUri> uri = RedisUri::parse(text, &error);
    if (!uri) {
        FUZZ_CHECK(error.startsWith(QStringLiteral("redis URI: ")) && error.size() > 11, error);
    } else {
        FUZZ_CHECK(!uri->host.isEmpty(), text);
        FUZZ_CHECK(uri->port > 0 && uri->port <= 65535, QString::number(uri->port));
        FUZZ_CHECK(uri->db >= 0, QString::number(uri->db));
        FUZZ_CHECK(uri->timeoutMs > 0 && uri->connectTimeoutMs > 0, text);
        const RedisConnectionOptions o = uri->toOptions();
        FUZZ_CHECK(o.endpoint.host == uri->host && o.endpoint.port == uri->port && o.db == uri->db
                       && o.tls == uri->tls && o.username == uri->username
                       && o.password == uri->password && o.commandTimeoutMs == uri->timeoutMs
                       && o.connectTimeoutMs == uri->connectTimeoutMs,
                   text);
    }

    QString password;
    const QString stripped = ConnectionProfile::stripPassword(text, &password);
    FUZZ_CHECK(QUrl(stripped).password().isEmpty(), stripped);

    ConnectionProfile profile;
    profile.name = QStringLiteral("fuzz");
    profile.redisUri = text;
    const QStringList problems = profile.validate();
    if (problems.isEmpty() && uri)
        FUZZ_CHECK(uri->password.isEmpty(),
                   QStringLiteral("the profile check accepts '%1', whose password for AUTH is '%2'")
                       .arg(text, uri->password));
    return 0;
}
