#include "core/pg/PgErrors.h"

#include <QRegularExpression>

#include <pqxx/except>

namespace switchboard {

namespace {

// libpq's messages carry "FATAL:  ", tabs, hints on new lines and a
// "connection to server at "h", port p failed: " prefix we already say ourselves.
QString tidy(QString message)
{
    static const QRegularExpression prefix(QStringLiteral(
        "connection to server (at|on socket) \"[^\"]*\"( \\([^)]*\\))?(, port \\d+)? failed: "));
    message.remove(prefix);
    message.remove(QStringLiteral("FATAL:  "));
    message.remove(QStringLiteral("ERROR:  "));
    return message.simplified();
}

} // namespace

QString PgErrors::connectionFailure(const QString &where, const QString &libpqMessage)
{
    const QString m = tidy(libpqMessage);
    if (m.contains(QStringLiteral("password authentication failed"))
        || m.contains(QStringLiteral("no password supplied")))
        return QStringLiteral("Postgres %1 refused the login: %2 (check the password, "
                              "PGPASSWORD or ~/.pgpass)")
            .arg(where, m);
    if (m.contains(QStringLiteral("does not match host name")))
        return QStringLiteral("TLS failure talking to Postgres %1: %2").arg(where, m);
    if (m.contains(QStringLiteral("certificate verify failed")))
        return QStringLiteral("TLS failure talking to Postgres %1: the server certificate is "
                              "not signed by the CA in sslrootcert (%2)")
            .arg(where, m);
    if (m.contains(QStringLiteral("SSL")) || m.contains(QStringLiteral("certificate")))
        return QStringLiteral("TLS failure talking to Postgres %1: %2").arg(where, m);
    if (m.contains(QStringLiteral("no pg_hba.conf entry"))
        && m.contains(QStringLiteral("no encryption")))
        return QStringLiteral("Postgres %1 refused a connection without TLS (%2): use "
                              "sslmode=verify-full with sslrootcert")
            .arg(where, m);
    if (m.contains(QStringLiteral("Connection refused")))
        return QStringLiteral("connection refused by Postgres %1: is the server running and "
                              "listening there?")
            .arg(where);
    if (m.contains(QStringLiteral("timeout expired")))
        return QStringLiteral("could not reach Postgres %1 within the connect timeout").arg(where);
    return QStringLiteral("cannot connect to Postgres %1: %2").arg(where, m);
}

PgStatus PgErrors::fromException(const std::exception &e, const QString &where,
                                 int statementTimeoutMs, bool cancelRequested)
{
    PgStatus status;
    const QString what = QString::fromUtf8(e.what());
    if (dynamic_cast<const pqxx::broken_connection *>(&e)) {
        status.code = PgStatus::ConnectionFailed;
        status.message = connectionFailure(where, what);
        return status;
    }
    if (const auto *sql = dynamic_cast<const pqxx::sql_error *>(&e)) {
        status.sqlState = QString::fromStdString(sql->sqlstate());
        if (status.sqlState == QLatin1String("57014")) { // query_canceled
            if (cancelRequested) {
                status.code = PgStatus::Cancelled;
                status.message = QStringLiteral("query cancelled");
            } else {
                status.code = PgStatus::TimedOut;
                status.message = QStringLiteral("query cancelled after %1 ms statement_timeout")
                                     .arg(statementTimeoutMs);
            }
            return status;
        }
        status.code = PgStatus::QueryFailed;
        status.message = QStringLiteral("query failed on Postgres %1: %2").arg(where, tidy(what));
        return status;
    }
    if (cancelRequested) {
        status.code = PgStatus::Cancelled;
        status.message = QStringLiteral("query cancelled");
        return status;
    }
    status.code = PgStatus::QueryFailed;
    status.message = QStringLiteral("query failed on Postgres %1: %2").arg(where, tidy(what));
    return status;
}

} // namespace switchboard
