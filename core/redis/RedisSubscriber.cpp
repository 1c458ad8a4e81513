#include "core/redis/RedisSubscriber.h"

namespace switchboard {

RedisSubscriber::RedisSubscriber(const RedisConnectionOptions &options, QObject *parent)
    : QObject(parent)
    , m_connection(new RedisConnection(options, this))
{
    m_connection->setPushMode(true);
    connect(m_connection, &RedisConnection::ready, this, &RedisSubscriber::onReady);
    connect(m_connection, &RedisConnection::pushReceived, this, &RedisSubscriber::onPush);
    m_keepAlive.setInterval(10000);
    connect(&m_keepAlive, &QTimer::timeout, this, [this] {
        // In subscribed mode PING answers ["pong", ""]: a normal reply, matched in order,
        // so a stopped server trips the command timeout and the connection is rebuilt.
        if (m_connection->state() == RedisConnection::State::Ready)
            m_connection->send({QByteArrayLiteral("PING")}, this, [](const RedisReply &) {});
    });
    m_keepAlive.start();
}

void RedisSubscriber::subscribe(const QList<QByteArray> &channels)
{
    QList<QByteArray> args {QByteArrayLiteral("SUBSCRIBE")};
    for (const QByteArray &c : channels) {
        if (!m_channels.contains(c)) {
            m_channels.insert(c);
            args << c;
        }
    }
    if (args.size() > 1)
        m_connection->sendPush(args); // not ready: onReady sends everything
}

void RedisSubscriber::psubscribe(const QList<QByteArray> &patterns)
{
    QList<QByteArray> args {QByteArrayLiteral("PSUBSCRIBE")};
    for (const QByteArray &p : patterns) {
        if (!m_patterns.contains(p)) {
            m_patterns.insert(p);
            args << p;
        }
    }
    if (args.size() > 1)
        m_connection->sendPush(args);
}

void RedisSubscriber::unsubscribe(const QList<QByteArray> &channels)
{
    QList<QByteArray> args {QByteArrayLiteral("UNSUBSCRIBE")};
    for (const QByteArray &c : channels) {
        if (m_channels.remove(c))
            args << c;
    }
    if (args.size() > 1)
        m_connection->sendPush(args);
}

void RedisSubscriber::onReady()
{
    if (!m_channels.isEmpty()) {
        QList<QByteArray> args {QByteArrayLiteral("SUBSCRIBE")};
        for (const QByteArray &c : std::as_const(m_channels))
            args << c;
        m_connection->sendPush(args);
    }
    if (!m_patterns.isEmpty()) {
        QList<QByteArray> args {QByteArrayLiteral("PSUBSCRIBE")};
        for (const QByteArray &p : std::as_const(m_patterns))
            args << p;
        m_connection->sendPush(args);
    }
}

void RedisSubscriber::onPush(const RedisReply &reply)
{
    const QByteArray &kind = reply.at(0).data();
    if (kind == "message" && reply.size() == 3)
        emit message(reply.at(1).data(), reply.at(2).data(), {});
    else if (kind == "pmessage" && reply.size() == 4)
        emit message(reply.at(2).data(), reply.at(3).data(), reply.at(1).data());
    else if ((kind == "subscribe" || kind == "psubscribe") && reply.size() >= 2)
        emit subscribed(reply.at(1).data());
}

} // namespace switchboard
