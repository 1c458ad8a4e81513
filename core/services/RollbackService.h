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
#include "core/types/RollbackOutcome.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <pqxx/pqxx>

namespace switchboard {

class PgPool;
class RedisClient;

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
