#pragma once
// The outcome of "Test connection" for one backend, as shown to the user.
#include <QString>
#include <QVector>

namespace switchboard {

struct ConnectionTestResult
{
    QString backend; // "Redis", "Postgres", "Postgres replica"
    bool ok = false;
    QString serverVersion; // e.g. "7.0.15", "PostgreSQL 15.18"
    double roundTripMs = -1;
    QString message; // the reason on failure, extra facts on success

    QString toText() const
    {
        if (!ok)
            return QStringLiteral("%1: failed — %2").arg(backend, message);
        QString text = QStringLiteral("%1: ok, %2").arg(backend, serverVersion);
        if (roundTripMs >= 0)
            text += QStringLiteral(", round trip %1 ms").arg(roundTripMs, 0, 'f', 1);
        if (!message.isEmpty())
            text += QStringLiteral(" (%1)").arg(message);
        return text;
    }
};

using ConnectionTestResults = QVector<ConnectionTestResult>;

} // namespace switchboard
