#include "core/services/ConnectionProfile.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QUrl>

#include <libpq-fe.h>

namespace switchboard {

QStringList ConnectionProfile::validate() const
{
    QStringList problems;
    if (name.trimmed().isEmpty())
        problems << QStringLiteral("the profile needs a name");
    if (redisUri.isEmpty() && sentinels.isEmpty() && pgDsn.isEmpty())
        problems << QStringLiteral("give a Redis URI, Sentinel addresses or a Postgres DSN");
    if (!redisUri.isEmpty()) {
        const QUrl url(redisUri, QUrl::StrictMode);
        if (!url.isValid()
            || (url.scheme() != QLatin1String("redis") && url.scheme() != QLatin1String("rediss"))
            || url.host().isEmpty())
            problems << QStringLiteral("Redis URI must look like redis://host:port/db or "
                                       "rediss://user@host:port/db");
        else if (redisUriHasPassword(redisUri))
            problems << QStringLiteral("the Redis URI contains a password: it belongs in the "
                                       "keychain, not in the profile");
    }
    if (!sentinels.isEmpty()) {
        static const QRegularExpression hostPort(QStringLiteral("^[^:\\s]+:\\d{1,5}$"));
        for (const QString &s : sentinels)
            if (!hostPort.match(s).hasMatch())
                problems << QStringLiteral("Sentinel address '%1' is not host:port").arg(s);
        if (sentinelMaster.isEmpty())
            problems << QStringLiteral("Sentinel needs the master's name");
    }
    for (const QString *file : {&tlsCaFile, &tlsClientCert, &tlsClientKey})
        if (!file->isEmpty() && !QFileInfo(*file).isReadable())
            problems << QStringLiteral("cannot read %1").arg(*file);
    if (tlsClientCert.isEmpty() != tlsClientKey.isEmpty())
        problems << QStringLiteral("a client certificate needs its key, and the other way round");
    for (const QString *dsn : {&pgDsn, &pgReplicaDsn}) {
        const QString secret = pgDsnSecret(*dsn);
        if (!secret.isEmpty())
            problems << QStringLiteral("a Postgres DSN contains a %1: use the keychain, "
                                       "PGPASSWORD or ~/.pgpass instead")
                            .arg(secret);
    }
    if (keyNamespace.contains(QLatin1Char(' ')))
        problems << QStringLiteral("the key namespace must not contain spaces");
    return problems;
}

QString ConnectionProfile::stripPassword(const QString &uri, QString *password)
{
    QUrl url(uri);
    // Also when the URI is invalid (a control character in it): returned as it was, it
    // would carry its password into messages and, through a profile, the settings file.
    if (url.password().isEmpty())
        return uri;
    if (password)
        *password = url.password(QUrl::FullyDecoded);
    url.setPassword(QString());
    return url.toString();
}

QString ConnectionProfile::pgDsnSecret(const QString &dsn)
{
    if (dsn.trimmed().isEmpty())
        return {};
    char *err = nullptr;
    PQconninfoOption *options = PQconninfoParse(dsn.toUtf8().constData(), &err);
    if (!options) {
        PQfreemem(err);
        // libpq cannot read it (and will refuse it too); still never store what looks like
        // a secret.
        static const QRegularExpression loose(
            QStringLiteral("(^|[\\s?&])(ssl)?password\\s*=|^postgres(ql)?://[^/@]*:[^/@]*@"),
            QRegularExpression::CaseInsensitiveOption);
        const auto m = loose.match(dsn);
        return m.hasMatch()
            ? (m.captured(2).isEmpty() ? QStringLiteral("password") : QStringLiteral("sslpassword"))
            : QString();
    }
    QString found;
    for (PQconninfoOption *o = options; o->keyword; ++o) {
        if (!o->val || !*o->val)
            continue;
        const QLatin1String keyword(o->keyword);
        if (keyword == QLatin1String("password") || keyword == QLatin1String("sslpassword")) {
            found = QString(keyword);
            break;
        }
    }
    PQconninfoFree(options);
    return found;
}

bool ConnectionProfile::redisUriHasPassword(const QString &uri)
{
    const QUrl url(uri.trimmed());
    return url.isValid() && !url.password().isEmpty();
}

namespace {
// A libpq keyword/value value: single quotes, with \ and ' escaped by a backslash.
QString pgQuoted(const QString &value)
{
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    escaped.replace(QLatin1Char('\''), QStringLiteral("\\'"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}
} // namespace

QString ConnectionProfile::pgDsnWithPassword(const QString &dsn, const QString &password)
{
    if (password.isEmpty() || dsn.trimmed().isEmpty())
        return dsn;
    // Written anew as keyword/value from libpq's own reading of the DSN (keyword/value,
    // URI or service=), every value quoted, the password last: the same connection, and
    // nothing in the given text can take the password in or leave a host out. Edited as
    // text it could (found by fuzz_pg_dsn): appended after "user= " the password became
    // the user name (which the server logs); set by QUrl on a URI, libpq's host list
    // (postgresql://h1:5432,h2:5433/db) or a socket directory (postgresql://%2Ftmp/db)
    // was lost and libpq sent the password to its default host; a query added after a
    // '?' in the user-info made it part of the host name. A DSN libpq cannot read gets no
    // password (its message about the text could quote it). PgConfig makes keyword/value
    // of every DSN anyway.
    char *err = nullptr;
    PQconninfoOption *options = PQconninfoParse(dsn.toUtf8().constData(), &err);
    PQfreemem(err);
    if (!options)
        return dsn;
    QStringList parts;
    for (PQconninfoOption *o = options; o->keyword; ++o) {
        if (o->val && qstrcmp(o->keyword, "password") != 0)
            parts << QString::fromUtf8(o->keyword) + QLatin1Char('=')
                    + pgQuoted(QString::fromUtf8(o->val));
    }
    PQconninfoFree(options);
    parts << QStringLiteral("password=") + pgQuoted(password);
    return parts.join(QLatin1Char(' '));
}

bool ConnectionProfile::operator==(const ConnectionProfile &o) const
{
    return name == o.name && redisUri == o.redisUri && sentinels == o.sentinels
        && sentinelMaster == o.sentinelMaster && keyNamespace == o.keyNamespace
        && tlsCaFile == o.tlsCaFile && tlsClientCert == o.tlsClientCert
        && tlsClientKey == o.tlsClientKey && tlsVerifyPeer == o.tlsVerifyPeer && pgDsn == o.pgDsn
        && pgReplicaDsn == o.pgReplicaDsn && operatorName == o.operatorName;
}

} // namespace switchboard
