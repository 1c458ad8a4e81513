#pragma once
// Plain value types shared by the Postgres pool, its jobs and its callers.
#include <QMetaType>
#include <QString>

namespace switchboard {

// Where a job runs: history and trace reads may go to a read replica; writes never do.
enum class PgTarget { Primary, Replica };

struct PgJobSpec
{
    PgTarget target = PgTarget::Primary;
    bool readOnly = true; // reads run in a READ ONLY transaction
    int timeoutMs = 0; // statement_timeout for this job; 0 = PgConfig's
    QString label; // for logs and error messages ("session list")
};

// How a job ended. Carried back to the caller with the value.
struct PgStatus
{
    enum Code {
        Ok,
        Cancelled, // cancel(), a superseded request, or the owner went away
        TimedOut, // statement_timeout fired
        ConnectionFailed, // could not connect, or the connection broke
        QueryFailed // SQL error, or the job's own code threw
    };
    Code code = Ok;
    QString message; // empty when Ok; otherwise words for an operator
    QString sqlState; // five-character SQLSTATE when the server sent one
    qint64 elapsedMs = 0;

    bool ok() const { return code == Ok; }
};

template<typename T> struct PgResult
{
    PgStatus status;
    T value {};

    bool ok() const { return status.ok(); }
};

// The pool's or listener's connection, for the status bar.
struct PgConnectionState
{
    enum Kind { Idle, Connecting, Ready, Failed };
    Kind kind = Idle;
    QString reason; // set when Failed

    bool operator==(const PgConnectionState &o) const
    {
        return kind == o.kind && reason == o.reason;
    }
    bool operator!=(const PgConnectionState &o) const { return !(*this == o); }
    QString text() const; // "connecting", "ready", "failed: …"
};

} // namespace switchboard

Q_DECLARE_METATYPE(switchboard::PgConnectionState)
