#pragma once
#include "core/redis/RedisConnection.h"

#include <QObject>

#include <functional>

namespace switchboard {

// The command connection: request/reply commands with pipelining, timeouts and
// cancellation by context. Owns one RedisConnection; a future cluster client would route
// by slot over several and keep this API.
class RedisClient : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(const RedisReply &)>;
    using PipelineDone = std::function<void(const QList<RedisReply> &)>;

    explicit RedisClient(const RedisConnectionOptions &options, QObject *parent = nullptr);

    void open() { m_connection->open(); }
    void close() { m_connection->close(); }
    RedisConnection *connection() const { return m_connection; }
    RedisConnection::State state() const { return m_connection->state(); }
    QString stateText() const { return m_connection->stateText(); }

    // done runs once with the reply (a server error, or a local error such as
    // "timed out after 500 ms"), unless context is destroyed first. timeoutMs < 0: default.
    void command(const QList<QByteArray> &args, QObject *context, Done done, int timeoutMs = -1);

    // Sends all commands back to back; done gets the replies in the same order.
    void pipeline(const QList<QList<QByteArray>> &commands, QObject *context, PipelineDone done,
                  int timeoutMs = -1);

Q_SIGNALS:
    void stateChanged(switchboard::RedisConnection::State state, const QString &text);
    void ready();

private:
    RedisConnection *m_connection;
};

} // namespace switchboard
