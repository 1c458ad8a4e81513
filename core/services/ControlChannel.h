#pragma once
// Reload / restart end to end, on the console side: permission probe, the audit row
// (agentops.request_action: the server stamps who wrote it), the command on
// `N control:{host}` with Redis server times (ServerClock), following `N control-results`
// until a final state, and the outcome row (agentops.record_action_outcome; ref_id
// links them). Never loses an action: no audit row, no command.
//
// Verdicts are the truth as far as it is known: only the target host's bridge speaks for
// a command; its `running` report's deadline_ms extends the wait; a lost XADD reply is
// "unknown: check before retrying", not "not sent"; and a final report that comes after
// the console stopped waiting ("no answer", "unknown") is still shown and audited as
// another outcome row.
#include "core/contract/Keys.h"
#include "core/redis/RedisConnectionOptions.h"
#include "core/services/ProcessActionRequest.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace switchboard {

struct ControlResult;
class PgPool;
class RedisClient;
class RedisStreamReader;
class ServerClock;
struct RedisStreamEntry;

class ControlChannel : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString operatorName;
        QString clientHost;
        // Then "no answer from the bridge after N s", unless a `running` report said how
        // long the bridge may still take (its deadline_ms, plus answerMarginMs).
        int answerTimeoutMs = 60000;
        int answerMarginMs = 5000;
        // expires_at = requested_at + this, both Redis server time; at most 300 000
        // (ControlCommand::kMaxTtlMs).
        int commandTtlMs = 60000;
        // The Redis server's clock, shared with the processes view; when null the
        // channel measures its own through client.
        ServerClock *clock = nullptr;
        // An outcome row that cannot be written (Postgres restarting, failing over, a
        // statement timeout) is written again after this, doubling up to
        // auditRetryMaxMs, for auditRetryForMs in all; each attempt first looks for the
        // row an earlier attempt may have committed before its reply was lost.
        int auditRetryMs = 1000;
        int auditRetryMaxMs = 15000;
        int auditRetryForMs = 600000;
    };

    ControlChannel(RedisClient *client, const RedisConnectionOptions &readerOptions, PgPool *pool,
                   Keys keys, Options options, QObject *parent = nullptr);
    ~ControlChannel() override;

    void probePermissions();
    const ControlPermission &permission() const { return m_permission; }
    ServerClock *clock() const { return m_clock; }

    // Starts the action; returns its number. Progress comes through progress().
    int request(const ProcessActionRequest &request);

Q_SIGNALS:
    void permissionChanged(const switchboard::ControlPermission &permission);
    void progress(const switchboard::ControlProgress &progress);

private:
    void audited(int id, qint64 auditId, const QString &dbRole);
    void send(int id);
    void onResults(const QList<RedisStreamEntry> &batch);
    void onResult(int id, const ControlResult &result);
    void armTimer(int id, qint64 ms);
    void onTimeout(int id);
    void finish(int id, const QString &state, const QString &message, bool succeeded,
                bool provisional = false);
    struct PendingOutcome; // one outcome row being written (and retried)
    void auditOutcome(const ControlProgress &p);
    void writeOutcome(std::shared_ptr<PendingOutcome> o);
    void update(ControlProgress &p, ControlProgress::Phase phase, const QString &state,
                const QString &message = QString());
    void ensureFollowing(std::function<void()> then);
    int secondsSinceSent(int id) const;

    RedisClient *m_client;
    RedisStreamReader *m_results;
    PgPool *m_pool;
    Keys m_keys;
    Options m_options;
    ServerClock *m_clock;
    ControlPermission m_permission;
    QHash<int, ControlProgress> m_actions;
    QHash<QString, int> m_byCmdId;
    QHash<int, QTimer *> m_timers;
    QHash<int, QElapsedTimer> m_sent; // since the XADD went out
    QHash<int, QString> m_lostReply; // the error that took the XADD reply away
    bool m_following = false;
    int m_nextId = 1;
    int m_probeParts = 0;
    QString m_pgReason, m_redisReason;
    bool m_pgOk = false, m_redisOk = false, m_redisUnknown = false;
};

} // namespace switchboard
