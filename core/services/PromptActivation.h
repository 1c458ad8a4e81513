#pragma once
// Telling agents which prompt to use, without ever going backwards: one Lua script sets
// `N prompt:{agent}` and publishes `N prompt-activated` only if the deployment_id it carries
// is newer than the one the hash holds. A slower console (or a retry of an old deployment)
// therefore cannot overwrite a newer deployment in Redis. Sent with EVALSHA, and with EVAL
// when the server does not know the script yet (NOSCRIPT). docs/contract.md has the script.
#include "core/contract/ActivePrompt.h"
#include "core/contract/Keys.h"

#include <QObject>

#include <functional>

namespace switchboard {

class RedisClient;
class RedisReply;

struct PromptActivationResult
{
    enum State {
        Set, // the hash now carries this deployment; the message was published
        Already, // the hash already carried this deployment_id: nothing written, not published
        Newer, // the hash carries a newer deployment_id: nothing written
        Error // Redis failed (or answered something unexpected): nothing known
    };
    State state = Error;
    qint64 storedDeploymentId = 0; // what the hash held before (0 = nothing or not a number)
    QString error; // Error: why
    // "a newer deployment #N is already active in Redis", or the error.
    QString describe() const;
};

class PromptActivation
{
public:
    using Done = std::function<void(const PromptActivationResult &)>;

    // KEYS[1] = N prompt:{agent}; ARGV = channel, message, deployment_id, field, value, …
    static const QByteArray &script();
    static const QByteArray &scriptSha1(); // hex, for EVALSHA

    // done runs once, unless context is destroyed first.
    static void activate(RedisClient *redis, const Keys &keys, const ActivePrompt &active,
                         QObject *context, Done done, int timeoutMs = -1);
    // The reply of the script, as a result (public for tests).
    static PromptActivationResult resultOf(const RedisReply &reply);
};

} // namespace switchboard
