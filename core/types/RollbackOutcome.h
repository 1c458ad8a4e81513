#pragma once
// A rollback as asked and as it ended (RollbackService): plain values, no I/O, so the
// prompts view and its dialog can name them without a database header.
#include <QMetaType>
#include <QString>

namespace switchboard {

struct RollbackRequest
{
    QString agent;
    qint64 targetVersion = 0;
    // The deployment the operator saw as active (0 = the agent had none).
    qint64 expectedDeploymentId = 0;
    QString reason;
    bool overrideEval = false; // roll back to a version that failed / lacks its evaluation
    QString overrideReason; // required with overrideEval
};

struct RollbackOutcome
{
    enum Code {
        Notified, // committed, and agents were told
        NotNotified, // committed, but Redis failed: retry
        Raced, // someone else changed the agent's deployment first; nothing changed
        FailedEval, // the target did not pass its evaluation and no override was given
        NoPermission, // the database refused (the role may not execute the function)
        Refused, // the request itself was wrong: unknown version, already active, no reason
        DatabaseError // could not run the transaction; nothing changed
    };
    Code code = DatabaseError;
    QString message; // exactly what happened, for a person
    qint64 deploymentId = 0;
    qint64 deployedAt = 0;
    qint64 fromVersion = 0;
    qint64 toVersion = 0;
    QString model;
    // Raced: the deployment that won.
    QString changedBy;
    QString changedDbRole; // the database role that wrote it (empty before migration 002)
    qint64 changedAt = 0;
    qint64 changedToVersion = 0;
    qint64 changedDeploymentId = 0;
    QString notifyError; // NotNotified: why
    qint64 auditId = 0; // the operator_actions row of the attempt (0 when none was written)

    bool committed() const { return code == Notified || code == NotNotified; }
};

} // namespace switchboard

Q_DECLARE_METATYPE(switchboard::RollbackOutcome)
