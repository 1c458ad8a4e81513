#include "core/redis/RedisClient.h"

#include <memory>

namespace switchboard {

RedisClient::RedisClient(const RedisConnectionOptions &options, QObject *parent)
    : QObject(parent)
    , m_connection(new RedisConnection(options, this))
{
    connect(m_connection, &RedisConnection::stateChanged, this, &RedisClient::stateChanged);
    connect(m_connection, &RedisConnection::ready, this, &RedisClient::ready);
}

void RedisClient::command(const QList<QByteArray> &args, QObject *context, Done done, int timeoutMs)
{
    m_connection->send(args, context, std::move(done), timeoutMs);
}

void RedisClient::pipeline(const QList<QList<QByteArray>> &commands, QObject *context,
                           PipelineDone done, int timeoutMs)
{
    if (commands.isEmpty()) {
        QMetaObject::invokeMethod(
            this, [done] { done({}); }, Qt::QueuedConnection);
        return;
    }
    struct Batch
    {
        QList<RedisReply> replies;
        qsizetype left = 0;
        PipelineDone done;
    };
    auto batch = std::make_shared<Batch>();
    batch->replies.resize(commands.size());
    batch->left = commands.size();
    batch->done = std::move(done);
    for (qsizetype i = 0; i < commands.size(); ++i) {
        m_connection->send(
            commands.at(i), context,
            [batch, i](const RedisReply &r) {
                batch->replies[i] = r;
                if (--batch->left == 0)
                    batch->done(batch->replies);
            },
            timeoutMs);
    }
}

} // namespace switchboard
