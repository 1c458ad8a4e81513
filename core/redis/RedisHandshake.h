#pragma once
#include "core/redis/RedisConnectionOptions.h"
#include "core/redis/RedisReply.h"

#include <QList>

#include <optional>

namespace switchboard {

// What a fresh connection sends before it is ready (AUTH, SELECT, CLIENT SETNAME or PING,
// ROLE in sentinel mode), and how each answer is judged. Kept apart from the transport so
// the policy (which failures are worth retrying) reads in one place.
class RedisHandshake
{
public:
    enum class Kind { Auth, Select, Probe, Role };
    struct Step
    {
        Kind kind;
        QList<QByteArray> args;
    };
    struct Failure
    {
        QString reason;
        bool permanent; // wrong credentials or config: retrying will not help
    };

    static QList<Step> steps(const RedisConnectionOptions &options);
    // nullopt when the reply is acceptable. `where` names the server ("host:port").
    static std::optional<Failure> judge(const Step &step, const RedisReply &reply,
                                        const RedisConnectionOptions &options,
                                        const QString &where);
};

} // namespace switchboard
