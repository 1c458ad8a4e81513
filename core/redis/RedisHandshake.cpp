#include "core/redis/RedisHandshake.h"

namespace switchboard {

QList<RedisHandshake::Step> RedisHandshake::steps(const RedisConnectionOptions &options)
{
    QList<Step> steps;
    if (!options.password.isEmpty()) {
        QList<QByteArray> auth {QByteArrayLiteral("AUTH")};
        if (!options.username.isEmpty())
            auth << options.username.toUtf8();
        auth << options.password.toUtf8();
        steps.append({Kind::Auth, auth});
    }
    if (options.db != 0)
        steps.append({Kind::Select, {QByteArrayLiteral("SELECT"), QByteArray::number(options.db)}});
    // CLIENT SETNAME lets operators spot the console in CLIENT LIST; PING otherwise, so a
    // server that wants a password says NOAUTH now rather than on the first real command.
    if (options.clientName.isEmpty())
        steps.append({Kind::Probe, {QByteArrayLiteral("PING")}});
    else
        steps.append({Kind::Probe,
                      {QByteArrayLiteral("CLIENT"), QByteArrayLiteral("SETNAME"),
                       options.clientName.toUtf8()}});
    if (options.sentinel.isEnabled())
        steps.append({Kind::Role, {QByteArrayLiteral("ROLE")}});
    return steps;
}

std::optional<RedisHandshake::Failure> RedisHandshake::judge(const Step &step,
                                                             const RedisReply &reply,
                                                             const RedisConnectionOptions &options,
                                                             const QString &where)
{
    switch (step.kind) {
    case Kind::Auth:
        // WRONGPASS / NOPERM / "no password configured": all need a human, not a retry.
        if (reply.isError())
            return Failure {QStringLiteral("AUTH: ") + reply.errorMessage(), true};
        break;
    case Kind::Select:
        if (reply.isError())
            return Failure {
                QStringLiteral("SELECT %1: %2").arg(options.db).arg(reply.errorMessage()), true};
        break;
    case Kind::Probe:
        // Other errors (a user without +client) do not stop the console from working.
        if (reply.isError() && reply.data().startsWith("NOAUTH"))
            return Failure {reply.errorMessage(), true};
        break;
    case Kind::Role: {
        const QByteArray role
            = reply.isArray() && reply.size() > 0 ? reply.at(0).data() : reply.data();
        if (role != "master")
            return Failure {QStringLiteral("%1 is a %2, not the master (failover in progress?)")
                                .arg(where, QString::fromUtf8(role)),
                            false};
        break;
    }
    }
    return std::nullopt;
}

} // namespace switchboard
