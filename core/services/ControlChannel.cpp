#include "core/services/ControlChannel.h"

#include "core/contract/ControlCommand.h"
#include "core/contract/ControlResult.h"
#include "core/contract/RecordFields.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/redis/RedisStreamEntry.h"
#include "core/redis/RedisStreamReader.h"

#include <QDateTime>
#include <QUuid>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace switchboard {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

std::string s(const QString &text)
{
    return text.toStdString();
}

} // namespace

ControlChannel::ControlChannel(RedisClient *client, const RedisConnectionOptions &readerOptions,
                               PgPool *pool, Keys keys, Options options, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_results(new RedisStreamReader(readerOptions, this))
    , m_pool(pool)
    , m_keys(std::move(keys))
    , m_options(std::move(options))
{
    m_results->setBlockMs(1000);
    connect(m_results, &RedisStreamReader::entries, this,
            [this](const QByteArray &, const QList<RedisStreamEntry> &batch) { onResults(batch); });
}

ControlChannel::~ControlChannel() = default;

void ControlChannel::probePermissions()
{
    m_probeParts = 2;
    const auto done = [this] {
        if (--m_probeParts > 0)
            return;
        m_permission.probed = true;
        m_permission.allowed = m_pgOk && (m_redisOk || m_redisUnknown);
        QStringList why;
        if (!m_pgOk)
            why << m_pgReason;
        if (!m_redisOk)
            why << m_redisReason;
        m_permission.reason = why.join(QStringLiteral("; "));
        Q_EMIT permissionChanged(m_permission);
    };
    m_pool->submit(
        PgJobSpec {PgTarget::Primary, true, 5000, QStringLiteral("permission probe")}, this,
        [](pqxx::transaction_base &tx) {
            return tx
                .exec1("SELECT has_table_privilege(current_user, "
                       "'agentops.operator_actions', 'INSERT')")[0]
                .as<bool>();
        },
        [this, done](const PgResult<bool> &r) {
            m_pgOk = r.ok() && r.value;
            m_pgReason = !r.ok()
                ? QStringLiteral("cannot check the Postgres role: %1").arg(r.status.message)
                : QStringLiteral("the Postgres role may not INSERT into "
                                 "agentops.operator_actions (audit)");
            done();
        });
    // Redis 7: ask the server whether this user could XADD to a control stream.
    m_client->command({"ACL", "WHOAMI"}, this, [this, done](const RedisReply &who) {
        if (who.isError()) {
            m_redisOk = false;
            m_redisUnknown = true;
            m_redisReason = QStringLiteral("Redis permission unknown (%1): the command itself "
                                           "will tell")
                                .arg(who.errorMessage());
            return done();
        }
        m_client->command(
            {"ACL", "DRYRUN", who.data(), "XADD", m_keys.control(QStringLiteral("probe")), "*",
             "probe", "1"},
            this, [this, done](const RedisReply &r) {
                // OK: allowed. A string: denied, and why. An error (DRYRUN itself refused,
                // a timeout): unknown; the real XADD's NOPERM will tell the truth.
                m_redisOk = r.isStatus() && r.data() == "OK";
                m_redisUnknown = r.isError();
                m_redisReason = m_redisUnknown
                    ? QStringLiteral("Redis permission unknown (%1): the command itself will tell")
                          .arg(r.errorMessage())
                    : QStringLiteral("the Redis ACL user may not XADD to the "
                                     "control streams: %1")
                          .arg(QString::fromUtf8(r.data()));
                done();
            });
    });
}

void ControlChannel::update(ControlProgress &p, ControlProgress::Phase phase, const QString &state,
                            const QString &message)
{
    p.phase = phase;
    p.state = state;
    if (!message.isNull())
        p.message = message;
    p.updatedAtMs = nowMs();
    Q_EMIT progress(p);
}

int ControlChannel::request(const ControlRequest &request)
{
    const int id = m_nextId++;
    ControlProgress &p = m_actions[id];
    p.actionId = id;
    p.cmdId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    p.request = request;
    p.startedAtMs = nowMs();
    update(p, ControlProgress::Phase::Auditing, QStringLiteral("writing audit row"));

    nlohmann::json params = {{"cmd_id", s(p.cmdId)},
                             {"host", s(request.host)},
                             {"app", s(request.app)},
                             {"exec_mode", s(enumToText(request.execMode))}};
    params["pm_id"] = request.pmId ? nlohmann::json(*request.pmId) : nlohmann::json("all");
    const std::string op = s(m_options.operatorName), client = s(m_options.clientHost),
                      action = s(enumToText(request.action)), target = s(request.target()),
                      reason = s(request.reason), paramsText = params.dump();
    m_pool->submit(
        PgJobSpec {PgTarget::Primary, false, 5000, QStringLiteral("audit request")}, this,
        [=](pqxx::transaction_base &tx) {
            return tx
                .exec_params1("INSERT INTO agentops.operator_actions "
                              "(operator, client_host, action, target, reason, params, "
                              "outcome) VALUES ($1, $2, $3, $4, $5, $6::jsonb, "
                              "'requested') RETURNING id",
                              op, client, action, target, reason, paramsText)[0]
                .as<qint64>();
        },
        [this, id](const PgResult<qint64> &r) {
            if (!r.ok()) {
                // No audit row, no command: the action never reaches production.
                ControlProgress &p = m_actions[id];
                p.succeeded = false;
                update(p, ControlProgress::Phase::Done, QStringLiteral("not sent"),
                       QStringLiteral("audit row could not be written: %1").arg(r.status.message));
                return;
            }
            audited(id, r.value);
        });
    return id;
}

void ControlChannel::audited(int id, qint64 auditId)
{
    m_actions[id].auditId = auditId;
    ensureFollowing([this, id] { send(id); });
}

void ControlChannel::ensureFollowing(std::function<void()> then)
{
    if (m_following)
        return then();
    // The newest result id BEFORE the first XADD: the answer cannot slip past the reader.
    m_client->command({"XREVRANGE", m_keys.controlResults(), "+", "-", "COUNT", "1"}, this,
                      [this, then](const RedisReply &r) {
                          QByteArray from = QByteArrayLiteral("0-0");
                          if (r.isArray() && r.size() == 1 && r.at(0).isArray()
                              && r.at(0).size() == 2)
                              from = r.at(0).at(0).data();
                          if (!m_following) {
                              m_results->addStream(m_keys.controlResults(), from);
                              m_results->start();
                              m_following = true;
                          }
                          then();
                      });
}

void ControlChannel::send(int id)
{
    ControlProgress &p = m_actions[id];
    ControlCommand cmd;
    cmd.cmdId = p.cmdId;
    cmd.action = p.request.action;
    cmd.app = p.request.app;
    cmd.pmIdText = p.request.pmId ? QString::number(*p.request.pmId) : QStringLiteral("all");
    cmd.requestedBy = m_options.operatorName;
    cmd.clientHost = m_options.clientHost;
    cmd.reason = p.request.reason;
    cmd.requestedAt = nowMs();
    cmd.expiresAt = cmd.requestedAt + m_options.commandTtlMs;
    cmd.auditId = p.auditId;
    QList<QByteArray> args {"XADD", m_keys.control(p.request.host), "MAXLEN", "~", "10000", "*"};
    args += cmd.toFields().toFlatList();
    m_byCmdId.insert(p.cmdId, id);
    update(p, ControlProgress::Phase::Sending, QStringLiteral("sending"));
    m_client->command(args, this, [this, id](const RedisReply &r) {
        ControlProgress &p = m_actions[id];
        if (!r.isString())
            return finish(id, QStringLiteral("failed"),
                          QStringLiteral("command not sent: %1").arg(r.toDebugText()), false);
        if (p.isFinal())
            return; // the bridge answered before the XADD reply was read
        update(p, ControlProgress::Phase::Waiting, QStringLiteral("sent"),
               QStringLiteral("waiting for the bridge on %1").arg(p.request.host));
        auto *timer = new QTimer(this);
        timer->setSingleShot(true);
        m_timers.insert(id, timer);
        connect(timer, &QTimer::timeout, this, [this, id] {
            finish(id, QStringLiteral("no answer"),
                   QStringLiteral("no answer from the bridge after %1 s")
                       .arg(m_options.answerTimeoutMs / 1000),
                   false);
        });
        timer->start(m_options.answerTimeoutMs);
    });
}

void ControlChannel::onResults(const QList<RedisStreamEntry> &batch)
{
    for (const RedisStreamEntry &e : batch) {
        QList<QByteArray> flat;
        for (const auto &f : e.fields)
            flat << f.first << f.second;
        const auto parsed
            = ControlResult::parse(RecordFields::fromFlatList(flat), QString::fromUtf8(e.id));
        const int id = m_byCmdId.value(parsed.value().cmdId);
        if (!id || !parsed.isOk())
            continue; // another console's command, or a bad entry we cannot attribute
        ControlProgress &p = m_actions[id];
        if (p.isFinal())
            continue;
        const ControlResult &res = parsed.value();
        const QString state = enumToText(res.state);
        if (res.isFinal())
            finish(id, state, res.message, res.state == ControlState::Succeeded);
        else
            update(p, ControlProgress::Phase::Waiting, state, res.message);
    }
}

void ControlChannel::finish(int id, const QString &state, const QString &message, bool succeeded)
{
    ControlProgress &p = m_actions[id];
    if (p.isFinal())
        return;
    delete m_timers.take(id);
    p.succeeded = succeeded;
    update(p, ControlProgress::Phase::Done, state, message);
    auditOutcome(p);
}

void ControlChannel::auditOutcome(const ControlProgress &p)
{
    if (!p.auditId)
        return;
    const std::string outcome = p.succeeded     ? "succeeded"
        : p.state == QStringLiteral("rejected") ? "refused"
                                                : "failed";
    const nlohmann::json detail
        = {{"cmd_id", s(p.cmdId)}, {"state", s(p.state)}, {"message", s(p.message.left(16384))}};
    const std::string op = s(m_options.operatorName), client = s(m_options.clientHost),
                      action = s(enumToText(p.request.action)), target = s(p.request.target()),
                      reason = s(p.request.reason), detailText = detail.dump();
    const qint64 ref = *p.auditId;
    const int id = p.actionId;
    m_pool->submit(
        PgJobSpec {PgTarget::Primary, false, 5000, QStringLiteral("audit outcome")}, this,
        [=](pqxx::transaction_base &tx) {
            tx.exec_params0("INSERT INTO agentops.operator_actions "
                            "(operator, client_host, action, target, reason, outcome, detail, "
                            "ref_id) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)",
                            op, client, action, target, reason, outcome, detailText, ref);
            return true;
        },
        [this, id](const PgResult<bool> &r) {
            if (r.ok())
                return;
            ControlProgress &p = m_actions[id];
            p.message
                += QStringLiteral(" (the outcome could not be audited: %1)").arg(r.status.message);
            p.updatedAtMs = nowMs();
            Q_EMIT progress(p);
        });
}

} // namespace switchboard
