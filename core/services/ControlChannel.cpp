#include "core/services/ControlChannel.h"

#include "core/contract/ControlCommand.h"
#include "core/contract/ControlResult.h"
#include "core/contract/RecordFields.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/redis/RedisStreamEntry.h"
#include "core/redis/RedisStreamReader.h"
#include "core/redis/ServerClock.h"

#include <QUuid>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace switchboard {

namespace {

std::string s(const QString &text)
{
    return text.toStdString();
}

// The longest wait a bridge's deadline_ms may ask for: a bigger number is a broken or
// hostile report, not a reason to wait for hours.
constexpr qint64 kMaxDeadlineMs = 30 * 60 * 1000;

const char kRequestActionSignature[]
    = "agentops.request_action(text,text,text,text,text,text,jsonb,text,text)";

struct RequestRow
{
    qint64 id = 0;
    std::string dbRole;
};

} // namespace

ControlChannel::ControlChannel(RedisClient *client, const RedisConnectionOptions &readerOptions,
                               PgPool *pool, Keys keys, Options options, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_results(new RedisStreamReader(readerOptions, this))
    , m_pool(pool)
    , m_keys(std::move(keys))
    , m_options(std::move(options))
    , m_clock(m_options.clock)
{
    if (!m_clock) {
        m_clock = new ServerClock(client, this);
        m_clock->start();
    }
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
    // The audit row is written through agentops.request_action (migration 002): EXECUTE
    // on it is what an operator needs. -1: the function is not there (older schema).
    m_pool->submit(
        PgJobSpec {PgTarget::Primary, true, 5000, QStringLiteral("permission probe")}, this,
        [](pqxx::transaction_base &tx) {
            const std::string sig = kRequestActionSignature;
            const auto row = tx.exec_params1(
                "SELECT CASE WHEN to_regprocedure($1) IS NULL THEN -1 "
                "WHEN has_function_privilege(current_user, $1, 'EXECUTE') THEN 1 ELSE 0 END",
                sig);
            return row[0].as<int>();
        },
        [this, done](const PgResult<int> &r) {
            m_pgOk = r.ok() && r.value == 1;
            m_pgReason = !r.ok()
                ? QStringLiteral("cannot check the Postgres role: %1").arg(r.status.message)
                : r.value < 0 ? QStringLiteral("the database has no agentops.request_action "
                                               "(schema older than migration 002)")
                              : QStringLiteral("the Postgres role may not EXECUTE "
                                               "agentops.request_action (audit row)");
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
    p.updatedAtMs = m_clock->localMs();
    Q_EMIT progress(p);
}

int ControlChannel::request(const ProcessActionRequest &request)
{
    const int id = m_nextId++;
    ControlProgress &p = m_actions[id];
    p.actionId = id;
    p.cmdId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    p.request = request;
    p.operatorName = m_options.operatorName;
    p.startedAtMs = m_clock->localMs();
    update(p, ControlProgress::Phase::Auditing, QStringLiteral("writing audit row"));

    const nlohmann::json params = {{"exec_mode", s(enumToText(request.execMode))}};
    const std::string action = s(enumToText(request.action)), host = s(request.host),
                      app = s(request.app),
                      pmId = request.pmId ? std::to_string(*request.pmId) : std::string("all"),
                      cmdId = s(p.cmdId), reason = s(request.reason), paramsText = params.dump(),
                      op = s(m_options.operatorName), client = s(m_options.clientHost);
    m_pool->submit(
        PgJobSpec {PgTarget::Primary, false, 5000, QStringLiteral("audit request")}, this,
        [=](pqxx::transaction_base &tx) {
            // The server writes the row and stamps db_role (session_user): the bridge
            // runs the command only if this row exists and an operator role wrote it.
            const auto row = tx.exec_params1(
                "SELECT id, db_role FROM agentops.request_action($1, $2, $3, $4, $5, $6, "
                "$7::jsonb, $8, $9)",
                action, host, app, pmId, cmdId, reason, paramsText, op, client);
            RequestRow out;
            out.id = row[0].as<qint64>();
            out.dbRole = row[1].is_null() ? std::string() : row[1].as<std::string>();
            return out;
        },
        [this, id](const PgResult<RequestRow> &r) {
            if (!r.ok()) {
                // No audit row, no command: the action never reaches production.
                ControlProgress &p = m_actions[id];
                p.succeeded = false;
                update(p, ControlProgress::Phase::Done, QStringLiteral("not sent"),
                       QStringLiteral("audit row could not be written: %1").arg(r.status.message));
                return;
            }
            audited(id, r.value.id, QString::fromStdString(r.value.dbRole));
        });
    return id;
}

void ControlChannel::audited(int id, qint64 auditId, const QString &dbRole)
{
    ControlProgress &p = m_actions[id];
    p.auditId = auditId;
    p.dbRole = dbRole;
    // Follow the results first, then make sure the times are the server's, then send.
    ensureFollowing([this, id] { m_clock->whenMeasured(this, [this, id] { send(id); }); });
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
    if (m_client->state() != RedisConnection::State::Ready) {
        // Never written: the connection is down, so this is certain.
        return finish(id, QStringLiteral("not sent"),
                      QStringLiteral("command not sent: Redis is not connected (%1)")
                          .arg(m_client->stateText()),
                      false);
    }
    ControlCommand cmd;
    cmd.cmdId = p.cmdId;
    cmd.action = p.request.action;
    cmd.app = p.request.app;
    cmd.pmIdText = p.request.pmId ? QString::number(*p.request.pmId) : QStringLiteral("all");
    cmd.requestedBy = m_options.operatorName;
    cmd.clientHost = m_options.clientHost;
    cmd.reason = p.request.reason;
    // Redis server time, like the bridge's expiry check: a skewed laptop cannot send a
    // command that is already expired, or one that lives far too long.
    cmd.requestedAt = m_clock->nowMs();
    cmd.expiresAt = cmd.requestedAt
        + std::clamp<qint64>(m_options.commandTtlMs, 1, ControlCommand::kMaxTtlMs);
    cmd.auditId = *p.auditId;
    p.requestedAtMs = cmd.requestedAt;
    p.expiresAtMs = cmd.expiresAt;
    QList<QByteArray> args {"XADD", m_keys.control(p.request.host), "MAXLEN", "~", "10000", "*"};
    args += cmd.toFields().toFlatList();
    m_byCmdId.insert(p.cmdId, id);
    const QString clockNote = m_clock->isMeasured()
        ? QString()
        : QStringLiteral(" (the Redis server's time could not be read: %1; the command "
                         "carries this machine's time)")
              .arg(m_clock->lastError());
    update(p, ControlProgress::Phase::Sending, QStringLiteral("sending"), clockNote);
    m_sent[id].start();
    m_client->command(args, this, [this, id, clockNote](const RedisReply &r) {
        ControlProgress &p = m_actions[id];
        if (p.phase != ControlProgress::Phase::Sending)
            return; // the bridge answered before the XADD reply was read: it got there
        if (r.isString()) {
            update(p, ControlProgress::Phase::Waiting, QStringLiteral("sent"),
                   QStringLiteral("waiting for the bridge on %1").arg(p.request.host) + clockNote);
            return armTimer(id, m_options.answerTimeoutMs);
        }
        if (r.isLocalError()) {
            // The connection dropped or the reply timed out after the command was written:
            // it may be in the stream, and the bridge may run it. Not "not sent": keep
            // following the results, the bridge's answer resolves it.
            m_lostReply.insert(id, r.errorMessage());
            update(p, ControlProgress::Phase::Waiting, QStringLiteral("unknown"),
                   QStringLiteral("unknown: check before retrying. The reply to the command was "
                                  "lost (%1); it may have reached the bridge on %2, whose "
                                  "results are still followed")
                       .arg(r.errorMessage(), p.request.host));
            return armTimer(id, m_options.answerTimeoutMs);
        }
        // The server's own refusal (NOPERM, OOM, …): certainly not in the stream.
        finish(id, QStringLiteral("failed"),
               QStringLiteral("command not sent: %1").arg(r.toDebugText()), false);
    });
}

void ControlChannel::armTimer(int id, qint64 ms)
{
    QTimer *timer = m_timers.value(id);
    if (!timer) {
        timer = new QTimer(this);
        timer->setSingleShot(true);
        m_timers.insert(id, timer);
        connect(timer, &QTimer::timeout, this, [this, id] { onTimeout(id); });
    }
    timer->start(int(std::clamp<qint64>(ms, 0, kMaxDeadlineMs)));
}

int ControlChannel::secondsSinceSent(int id) const
{
    const auto it = m_sent.constFind(id);
    // Rounded: a coarse timer may fire up to 5 % early.
    return it == m_sent.cend() ? 0 : int((it->elapsed() + 500) / 1000);
}

void ControlChannel::onTimeout(int id)
{
    const ControlProgress &p = m_actions[id];
    if (p.isFinal())
        return;
    if (p.state == QLatin1String("unknown")) {
        return finish(id, QStringLiteral("unknown"),
                      QStringLiteral("unknown: check before retrying. The reply to the command "
                                     "was lost (%1) and the bridge on %2 has not reported on it "
                                     "in %3 s")
                          .arg(m_lostReply.value(id), p.request.host)
                          .arg(secondsSinceSent(id)),
                      false, true);
    }
    finish(id, QStringLiteral("no answer"),
           QStringLiteral("no answer from the bridge after %1 s").arg(secondsSinceSent(id)), false,
           true);
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
        onResult(id, parsed.value());
    }
}

void ControlChannel::onResult(int id, const ControlResult &res)
{
    ControlProgress &p = m_actions[id];
    // Only the bridge of the target host speaks for the command: anyone who can write
    // the results stream could otherwise report a success that never happened.
    if (res.host != p.request.host)
        return;
    const QString state = enumToText(res.state);
    QString message = res.message;
    if (res.state == ControlState::Rejected && message.isEmpty())
        message = QStringLiteral("refused by the bridge on %1 (no reason given)").arg(res.host);
    if (p.isFinal()) {
        // After "no answer" / "unknown" the console stopped waiting, not listening: the
        // bridge's final word is still the truth, shown and audited as another outcome row.
        if (!p.provisional || !res.isFinal())
            return;
        p.provisional = false;
        p.late = true;
        p.succeeded = res.state == ControlState::Succeeded;
        update(p, ControlProgress::Phase::Done, state,
               message + QStringLiteral(" (reported after the console had stopped waiting)"));
        auditOutcome(p);
        return;
    }
    if (res.isFinal())
        return finish(id, state, message, res.state == ControlState::Succeeded);
    if (!m_timers.contains(id)) // a report overtook the XADD reply: the wait starts here
        armTimer(id, m_options.answerTimeoutMs);
    if (res.state == ControlState::Running && res.detail.is_object()) {
        // The bridge says how long it may still take (timeout, grace, readiness wait): a
        // 70 s cluster reload is not "no answer" after 60 s.
        const auto it = res.detail.find("deadline_ms");
        if (it != res.detail.end() && it->is_number() && it->get<double>() > 0)
            armTimer(id,
                     qint64(std::min<double>(it->get<double>(), double(kMaxDeadlineMs)))
                         + m_options.answerMarginMs);
    }
    update(p, ControlProgress::Phase::Waiting, state, message);
}

void ControlChannel::finish(int id, const QString &state, const QString &message, bool succeeded,
                            bool provisional)
{
    ControlProgress &p = m_actions[id];
    if (p.isFinal())
        return;
    delete m_timers.take(id);
    p.succeeded = succeeded;
    p.provisional = provisional;
    update(p, ControlProgress::Phase::Done, state, message);
    auditOutcome(p);
}

struct ControlChannel::PendingOutcome
{
    int actionId = 0;
    qint64 ref = 0;
    std::string outcome, state, cmdId, detail, client;
    QString baseMessage; // the message shown before any note about the audit
    int attempts = 0;
    int delayMs = 0;
    QElapsedTimer since;
};

void ControlChannel::auditOutcome(const ControlProgress &p)
{
    if (!p.auditId)
        return;
    auto o = std::make_shared<PendingOutcome>();
    o->outcome = p.succeeded                    ? "succeeded"
        : p.state == QStringLiteral("rejected") ? "refused"
                                                : "failed";
    nlohmann::json detail
        = {{"cmd_id", s(p.cmdId)}, {"state", s(p.state)}, {"message", s(p.message.left(16384))}};
    if (p.late)
        detail["late"] = true;
    o->actionId = p.actionId;
    o->ref = *p.auditId;
    o->state = s(p.state);
    o->cmdId = s(p.cmdId);
    o->detail = detail.dump();
    o->client = s(m_options.clientHost);
    o->baseMessage = p.message;
    o->delayMs = qMax(1, m_options.auditRetryMs);
    o->since.start();
    writeOutcome(std::move(o));
}

namespace {

// Worth another try: the server or the connection, not the statement. (A permission or a
// constraint refused now is refused the next time too.)
bool transient(const PgStatus &st)
{
    if (st.code == PgStatus::ConnectionFailed || st.code == PgStatus::TimedOut)
        return true;
    // 08: connection exception; 57P01-57P03: admin/crash shutdown, cannot connect now;
    // 40001/40P01: serialization failure, deadlock; 53: insufficient resources.
    const QString &c = st.sqlState;
    return c.startsWith(QStringLiteral("08")) || c.startsWith(QStringLiteral("57P"))
        || c == QStringLiteral("40001") || c == QStringLiteral("40P01")
        || c.startsWith(QStringLiteral("53"));
}

} // namespace

void ControlChannel::writeOutcome(std::shared_ptr<PendingOutcome> o)
{
    ++o->attempts;
    m_pool->submit(
        PgJobSpec {PgTarget::Primary, false, 5000, QStringLiteral("audit outcome")}, this,
        [o](pqxx::transaction_base &tx) {
            // An earlier attempt may have committed and lost only its reply: its row is
            // the outcome (same request, verdict and state), not a reason for a second.
            if (o->attempts > 1) {
                const pqxx::result seen = tx.exec_params(
                    "SELECT id FROM agentops.operator_actions WHERE ref_id = $1 AND outcome = $2 "
                    "AND detail->>'cmd_id' = $3 AND detail->>'state' = $4 LIMIT 1",
                    o->ref, o->outcome, o->cmdId, o->state);
                if (!seen.empty())
                    return seen[0][0].as<qint64>();
            }
            return tx
                .exec_params1("SELECT agentops.record_action_outcome($1, $2, $3::jsonb, $4)",
                              o->ref, o->outcome, o->detail, o->client)[0]
                .as<qint64>();
        },
        [this, o](const PgResult<qint64> &r) {
            auto it = m_actions.find(o->actionId);
            // Notes go on the action only while it still shows this verdict (a late
            // final state has its own outcome row and message).
            const bool shown = it != m_actions.end() && s(it->state) == o->state;
            auto note = [&](const QString &text) {
                if (!shown)
                    return;
                it->message = o->baseMessage + text;
                it->updatedAtMs = m_clock->localMs();
                Q_EMIT progress(*it);
            };
            if (r.ok()) {
                if (o->attempts > 1)
                    note(QStringLiteral(" (outcome audited after %1 attempts)").arg(o->attempts));
                return;
            }
            const bool again = transient(r.status)
                && o->since.elapsed() + o->delayMs <= m_options.auditRetryForMs;
            if (!again) {
                note(QStringLiteral(" (the outcome could not be audited: %1)")
                         .arg(r.status.message));
                return;
            }
            note(QStringLiteral(" (the outcome is not audited yet: %1; trying again in %2 s)")
                     .arg(r.status.message)
                     .arg(qMax(1, o->delayMs / 1000)));
            QTimer::singleShot(o->delayMs, this, [this, o] { writeOutcome(o); });
            o->delayMs = qMin(o->delayMs * 2, qMax(o->delayMs, m_options.auditRetryMaxMs));
        });
}

} // namespace switchboard
