#pragma once
// Small helpers shared by the Redis tests: run one command and wait (the event loop keeps
// spinning), and options pointing at a fixture server.
#include "core/redis/RedisClient.h"
#include "core/redis/RedisUri.h"
#include "support/RedisServer.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <optional>

namespace switchboard::test {

inline RedisConnectionOptions optionsFor(const RedisServer &server)
{
    const auto uri = RedisUri::parse(server.uri());
    RedisConnectionOptions o = uri->toOptions();
    o.commandTimeoutMs = 2000;
    o.connectTimeoutMs = 2000;
    return o;
}

// Returns the reply, or nullopt when the callback did not run within waitMs.
inline std::optional<RedisReply> runCommand(RedisClient &client, const QList<QByteArray> &args,
                                            int timeoutMs = -1, int waitMs = 10000)
{
    std::optional<RedisReply> result;
    QObject context;
    client.command(
        args, &context, [&result](const RedisReply &r) { result = r; }, timeoutMs);
    QElapsedTimer t;
    t.start();
    while (!result && t.elapsed() < waitMs)
        QTest::qWait(5);
    return result;
}

inline qint64 infoField(const RedisServer &server, const QByteArray &section,
                        const QByteArray &field)
{
    const QByteArray info = server.cli({QStringLiteral("INFO"), QString::fromLatin1(section)});
    for (const QByteArray &line : info.split('\n')) {
        if (line.startsWith(QByteArray(field + ':')))
            return line.mid(field.size() + 1).trimmed().toLongLong();
    }
    return -1;
}

} // namespace switchboard::test
