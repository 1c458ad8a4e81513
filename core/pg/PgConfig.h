#pragma once
// Where and how Switchboard talks to Postgres: a libpq connection string, URI or service
// name for the primary, an optional replica for history/trace reads, and the limits that
// keep a console from hurting a production database.
#include "core/pg/PgTypes.h"

#include <QString>

#include <string>

namespace switchboard {

class PgConfig
{
public:
    PgConfig() = default;
    explicit PgConfig(QString primaryDsn, QString replicaDsn = {});

    QString primaryDsn;
    QString replicaDsn; // empty: replica reads go to the primary
    int statementTimeoutMs = 5000; // SET LOCAL statement_timeout in every transaction
    int connectTimeoutSec = 5; // used unless the DSN sets connect_timeout

    bool hasReplica() const { return !replicaDsn.trimmed().isEmpty(); }

    // A keyword/value connection string for libpq: the DSN as given (keyword/value, URI
    // or service=…; sslmode, sslrootcert and friends pass through untouched) plus
    // application_name=switchboard and connect_timeout unless the DSN sets them.
    // Returns an empty string and sets *error when libpq cannot parse the DSN.
    std::string connectionString(PgTarget target, QString *error = nullptr) const;

    // "host:port/dbname" for messages; never includes a password.
    QString describe(PgTarget target) const;

    static std::string normalize(const QString &dsn, int connectTimeoutSec, QString *error);
};

} // namespace switchboard
