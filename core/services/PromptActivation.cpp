#include "core/services/PromptActivation.h"

#include "core/redis/RedisClient.h"

#include <QCryptographicHash>
#include <QPointer>

namespace switchboard {

namespace {

// Ids are compared as decimal strings (no leading zeros): Lua numbers are doubles, exact
// only up to 2^53. A stored value that is not a positive integer is overwritten: nothing
// could ever be compared with it, and it would block every deployment of the agent.
const QByteArray kScript = QByteArrayLiteral(R"lua(
local function valid(s) return s and string.match(s, '^[1-9][0-9]*$') ~= nil end
local function greater(a, b) if #a ~= #b then return #a > #b end return a > b end
local new = ARGV[3]
if not valid(new) then return redis.error_reply('deployment_id must be a positive integer') end
local stored = redis.call('HGET', KEYS[1], 'deployment_id')
if valid(stored) then
  if stored == new then return {'already', stored} end
  if greater(stored, new) then return {'newer', stored} end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PUBLISH', ARGV[1], ARGV[2])
return {'set', stored or ''}
)lua");

PromptActivationResult errorResult(const QString &why)
{
    PromptActivationResult r;
    r.state = PromptActivationResult::Error;
    r.error = why;
    return r;
}

} // namespace

QString PromptActivationResult::describe() const
{
    switch (state) {
    case Set:
        return QStringLiteral("set");
    case Already:
        return QStringLiteral("deployment #%1 was already active in Redis").arg(storedDeploymentId);
    case Newer:
        return QStringLiteral("a newer deployment #%1 is already active in Redis")
            .arg(storedDeploymentId);
    case Error:
        break;
    }
    return error;
}

const QByteArray &PromptActivation::script()
{
    return kScript;
}

const QByteArray &PromptActivation::scriptSha1()
{
    static const QByteArray sha
        = QCryptographicHash::hash(kScript, QCryptographicHash::Sha1).toHex();
    return sha;
}

PromptActivationResult PromptActivation::resultOf(const RedisReply &reply)
{
    if (reply.isError())
        return errorResult(reply.errorMessage());
    if (!reply.isArray() || reply.size() != 2 || !reply.at(0).isString() || !reply.at(1).isString())
        return errorResult(
            QStringLiteral("unexpected reply to the prompt script: %1").arg(reply.toDebugText()));
    PromptActivationResult r;
    const QByteArray state = reply.at(0).data();
    bool ok = false;
    const qint64 stored = reply.at(1).data().toLongLong(&ok);
    r.storedDeploymentId = ok && stored > 0 ? stored : 0;
    if (state == "set")
        r.state = PromptActivationResult::Set;
    else if (state == "already")
        r.state = PromptActivationResult::Already;
    else if (state == "newer")
        r.state = PromptActivationResult::Newer;
    else
        return errorResult(
            QStringLiteral("unexpected reply to the prompt script: %1").arg(reply.toDebugText()));
    return r;
}

void PromptActivation::activate(RedisClient *redis, const Keys &keys, const ActivePrompt &active,
                                QObject *context, Done done, int timeoutMs)
{
    if (!redis) {
        done(errorResult(QStringLiteral("no Redis is configured")));
        return;
    }
    QList<QByteArray> tail {QByteArrayLiteral("1"), keys.prompt(active.agent),
                            keys.promptActivated(), active.toActivationMessage(),
                            QByteArray::number(active.deploymentId)};
    tail += active.toFields().toFlatList();
    const QList<QByteArray> evalsha
        = QList<QByteArray> {QByteArrayLiteral("EVALSHA"), scriptSha1()} + tail;
    const QList<QByteArray> eval = QList<QByteArray> {QByteArrayLiteral("EVAL"), script()} + tail;
    QPointer<RedisClient> client(redis);
    redis->command(
        evalsha, context,
        [client, eval, context, done, timeoutMs](const RedisReply &reply) {
            // The server has not cached the script (first use, restart, SCRIPT FLUSH): send
            // it whole. The script is the same either way, so this cannot run it twice.
            if (reply.isError() && !reply.isLocalError() && reply.data().startsWith("NOSCRIPT")) {
                if (!client) {
                    done(errorResult(QStringLiteral("the Redis connection was closed")));
                    return;
                }
                client->command(
                    eval, context, [done](const RedisReply &r) { done(resultOf(r)); }, timeoutMs);
                return;
            }
            done(resultOf(reply));
        },
        timeoutMs);
}

} // namespace switchboard
