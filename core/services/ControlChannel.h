#pragma once
// Reload / restart end to end, on the console side: permission probe, audit row
// (agentops.operator_actions, outcome requested), the command on `N control:{host}`,
// following `N control-results` until a final state or "no answer from the bridge after
// N s", and a second audit row with the true outcome (append-only; ref_id links them).
// Never loses an action: no audit row, no command; a refused XADD is audited as failed.
#include "core/contract/Keys.h"
#include "core/redis/RedisConnectionOptions.h"
#include "core/services/ControlRequest.h"

#include <QHash>
#include <QObject>
#include <QTimer>

namespace switchboard {

class PgPool;
class RedisClient;
class RedisStreamReader;
struct RedisStreamEntry;

class ControlChannel : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString operatorName;
        QString clientHost;
        int answerTimeoutMs = 60000; // then "no answer from the bridge after N s"
        int commandTtlMs = 60000; // expires_at = requested_at + this
    };

    ControlChannel(RedisClient *client, const RedisConnectionOptions &readerOptions, PgPool *pool,
                   Keys keys, Options options, QObject *parent = nullptr);
    ~ControlChannel() override;

    void probePermissions();
    const ControlPermission &permission() const { return m_permission; }

    // Starts the action; returns its number. Progress comes through progress().
    int request(const ControlRequest &request);

Q_SIGNALS:
    void permissionChanged(const switchboard::ControlPermission &permission);
    void progress(const switchboard::ControlProgress &progress);

private:
    void audited(int id, qint64 auditId);
    void send(int id);
    void onResults(const QList<RedisStreamEntry> &batch);
    void finish(int id, const QString &state, const QString &message, bool succeeded);
    void auditOutcome(const ControlProgress &p);
    void update(ControlProgress &p, ControlProgress::Phase phase, const QString &state,
                const QString &message = QString());
    void ensureFollowing(std::function<void()> then);

    RedisClient *m_client;
    RedisStreamReader *m_results;
    PgPool *m_pool;
    Keys m_keys;
    Options m_options;
    ControlPermission m_permission;
    QHash<int, ControlProgress> m_actions;
    QHash<QString, int> m_byCmdId;
    QHash<int, QTimer *> m_timers;
    bool m_following = false;
    int m_nextId = 1;
    int m_probeParts = 0;
    QString m_pgReason, m_redisReason;
    bool m_pgOk = false, m_redisOk = false, m_redisUnknown = false;
};

} // namespace switchboard
