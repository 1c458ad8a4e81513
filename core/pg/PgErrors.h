#pragma once
// Turns libpq / libpqxx failures into words an on-call engineer can act on at 3 a.m.:
// which server, what went wrong, and what to check.
#include "core/pg/PgTypes.h"

#include <exception>

namespace switchboard {

class PgErrors
{
public:
    // A connection failure (libpq's message) for the server described by where.
    static QString connectionFailure(const QString &where, const QString &libpqMessage);

    // Classifies an exception thrown while running a job. cancelRequested says whether
    // the caller asked for the cancel (otherwise a cancel is the statement_timeout).
    static PgStatus fromException(const std::exception &e, const QString &where,
                                  int statementTimeoutMs, bool cancelRequested);
};

} // namespace switchboard
