#pragma once
// A named set of connection settings. Holds no secrets: passwords live in the system
// keychain (SecretStore), the environment, ~/.pgpass, or are asked for.
#include <QString>
#include <QStringList>

namespace switchboard {

struct ConnectionProfile
{
    QString name;

    // Redis: either a URI, or Sentinel addresses (host:port) plus a master name.
    QString redisUri; // redis:// or rediss://[user@]host:port/db, no password
    QStringList sentinels; // "host:port"
    QString sentinelMaster;
    QString keyNamespace = QStringLiteral("agentops:");
    QString tlsCaFile;
    QString tlsClientCert;
    QString tlsClientKey;
    bool tlsVerifyPeer = true; // turning it off is possible, never the default

    // Postgres: libpq connection string, URI or service=NAME; no password inside.
    QString pgDsn;
    QString pgReplicaDsn;

    QString operatorName; // recorded in the audit log

    // Empty when the profile can be used; otherwise every problem, one per line.
    QStringList validate() const;

    // Returns uri without its password (and sets *password when one was there).
    static QString stripPassword(const QString &uri, QString *password);
    // A libpq DSN (keyword/value or URI) with a password added, for memory only. An empty
    // DSN stays empty: a password is never sent to libpq's default host.
    static QString pgDsnWithPassword(const QString &dsn, const QString &password);
    // The secret a libpq DSN carries ("password", "sslpassword"), as libpq itself parses
    // it (keyword/value, URI user-info or ?password=); empty when it carries none.
    static QString pgDsnSecret(const QString &dsn);
    // Whether a Redis URI carries a password (redis://user:pw@ or redis://:pw@).
    static bool redisUriHasPassword(const QString &uri);

    bool operator==(const ConnectionProfile &other) const;
    bool operator!=(const ConnectionProfile &other) const { return !(*this == other); }
};

} // namespace switchboard
