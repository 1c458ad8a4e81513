#include "core/pg/PgConfig.h"

#include <QMap>
#include <QStringList>

#include <libpq-fe.h>

namespace switchboard {

namespace {

// libpq keyword/value quoting: single quotes, with \ and ' escaped by a backslash.
std::string quoteValue(const char *value)
{
    std::string out = "'";
    for (const char *p = value; *p; ++p) {
        if (*p == '\'' || *p == '\\')
            out += '\\';
        out += *p;
    }
    out += '\'';
    return out;
}

QMap<QString, QString> parse(const QString &dsn, QString *error)
{
    QMap<QString, QString> values;
    char *err = nullptr;
    PQconninfoOption *options = PQconninfoParse(dsn.toUtf8().constData(), &err);
    if (!options) {
        if (error)
            *error = err ? QString::fromUtf8(err).trimmed() : QStringLiteral("out of memory");
        PQfreemem(err);
        return values;
    }
    for (PQconninfoOption *o = options; o->keyword; ++o) {
        if (o->val)
            values.insert(QString::fromUtf8(o->keyword), QString::fromUtf8(o->val));
    }
    PQconninfoFree(options);
    return values;
}

} // namespace

PgConfig::PgConfig(QString primary, QString replica)
    : primaryDsn(std::move(primary))
    , replicaDsn(std::move(replica))
{ }

std::string PgConfig::normalize(const QString &dsn, int connectTimeoutSec, QString *error)
{
    char *err = nullptr;
    PQconninfoOption *options = PQconninfoParse(dsn.toUtf8().constData(), &err);
    if (!options) {
        if (error)
            *error = QStringLiteral("cannot parse the Postgres connection string: %1")
                         .arg(err ? QString::fromUtf8(err).trimmed()
                                  : QStringLiteral("out of memory"));
        PQfreemem(err);
        return {};
    }
    std::string out;
    bool hasApplicationName = false;
    bool hasConnectTimeout = false;
    QStringList given;
    for (PQconninfoOption *o = options; o->keyword; ++o) {
        if (!o->val)
            continue;
        const std::string keyword = o->keyword;
        hasApplicationName |= keyword == "application_name";
        hasConnectTimeout |= keyword == "connect_timeout";
        given << QString::fromStdString(keyword);
        if (!out.empty())
            out += ' ';
        out += keyword + '=' + quoteValue(o->val);
    }
    PQconninfoFree(options);
    // Operators find the console in pg_stat_activity by this name.
    if (!hasApplicationName)
        out += std::string(out.empty() ? "" : " ") + "application_name='switchboard'";
    if (!hasConnectTimeout && connectTimeoutSec > 0)
        out += " connect_timeout='" + std::to_string(connectTimeoutSec) + '\'';
    // A peer that vanished without a reset (a partitioned network, a host that lost
    // power) is otherwise noticed only after the kernel's two-hour keepalive default:
    // probe idle connections, and give up on unacknowledged data after 30 s. A service
    // file is the operator's whole configuration: its own settings are left alone.
    static const std::pair<const char *, const char *> liveness[] = {
        {"keepalives", "1"},       {"keepalives_idle", "10"},     {"keepalives_interval", "5"},
        {"keepalives_count", "3"}, {"tcp_user_timeout", "30000"},
    };
    for (const auto &[keyword, value] : liveness) {
        if (!given.contains(QLatin1String(keyword)) && !given.contains(QLatin1String("service")))
            out += std::string(" ") + keyword + "='" + value + '\'';
    }
    return out;
}

std::string PgConfig::connectionString(PgTarget target, QString *error) const
{
    const bool replica = target == PgTarget::Replica && hasReplica();
    return normalize(replica ? replicaDsn : primaryDsn, connectTimeoutSec, error);
}

QString PgConfig::describe(PgTarget target) const
{
    const bool replica = target == PgTarget::Replica && hasReplica();
    const QMap<QString, QString> v = parse(replica ? replicaDsn : primaryDsn, nullptr);
    if (v.contains(QStringLiteral("service")) && !v.contains(QStringLiteral("host")))
        return QStringLiteral("service %1").arg(v.value(QStringLiteral("service")));
    const QString host = v.value(QStringLiteral("host"),
                                 v.value(QStringLiteral("hostaddr"), QStringLiteral("localhost")));
    return QStringLiteral("%1:%2/%3")
        .arg(host, v.value(QStringLiteral("port"), QStringLiteral("5432")),
             v.value(QStringLiteral("dbname"), v.value(QStringLiteral("user"))));
}

} // namespace switchboard
