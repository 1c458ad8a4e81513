#pragma once
// Rolling a prompt back, exactly as the design says. The rules live in the database:
// agentops.rollback_prompt() (migration 002) takes the agent's advisory lock, checks its
// latest deployment is still the one the operator saw (else: who changed it and when,
// nothing changed), refuses a target that did not pass its evaluation unless overridden
// with a reason, and inserts the deployment and the audit row (or a `refused` audit row)
// in one transaction. After the commit: the PromptActivation script sets N prompt:{agent}
// and publishes N prompt-activated only if that is not going backwards, then
// agentops.record_prompt_notification() writes the notification row. If Redis fails, the
// deployment stays "not yet notified" and renotify() (the view's retry, or the next
// console start) sends it again. The console and `switchboard rollback` both use this class.
#include "core/contract/Keys.h"
#include "core/services/PromptSnapshots.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <pqxx/pqxx>

namespace switchboard {

class PgPool;
class RedisClient;

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

class RollbackService : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(const RollbackOutcome &)>;

    // redis may be null (no Redis configured): rollbacks then commit but stay unnotified.
    RollbackService(PgPool *pool, RedisClient *redis, const Keys &keys, QString operatorName,
                    QString clientHost, QObject *parent = nullptr);

    void rollback(const RollbackRequest &request, Done done);
    // Notifies agents of a committed deployment again, if it is still its agent's latest.
    void renotify(qint64 deploymentId, Done done);

    const QString &operatorName() const { return m_operator; }
    void setRedis(RedisClient *redis);

    // The transaction itself (runs on a worker). Public for tests of the SQL alone.
    static RollbackOutcome runTransaction(pqxx::transaction_base &tx,
                                          const RollbackRequest &request,
                                          const QString &operatorName, const QString &clientHost);

Q_SIGNALS:
    // A deployment of agent was committed or notified: views reload.
    void deploymentsChanged(const QString &agent);

private:
    void notify(RollbackOutcome outcome, const QString &agent, bool renotify, Done done);
    void recordNotification(RollbackOutcome outcome, const QString &agent, bool renotify,
                            bool alreadyInRedis, Done done);
    void explainRace(RollbackOutcome outcome, const QString &agent, Done done);

    QPointer<PgPool> m_pool; // gone when the profile's connections are closed
    QPointer<RedisClient> m_redis;
    Keys m_keys;
    QString m_operator;
    QString m_clientHost;
};

} // namespace switchboard

Q_DECLARE_METATYPE(switchboard::RollbackOutcome)
