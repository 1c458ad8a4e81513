#pragma once
#include "core/redis/RedisConnection.h"

#include <QObject>
#include <QSet>
#include <QTimer>

namespace switchboard {

// Pub/sub on its own connection. Remembers what was asked and subscribes again after
// every reconnect; a periodic PING notices a server that stopped answering.
class RedisSubscriber : public QObject
{
    Q_OBJECT
public:
    explicit RedisSubscriber(const RedisConnectionOptions &options, QObject *parent = nullptr);

    void open() { m_connection->open(); }
    void close() { m_connection->close(); }
    RedisConnection *connection() const { return m_connection; }

    void subscribe(const QList<QByteArray> &channels);
    void psubscribe(const QList<QByteArray> &patterns);
    void unsubscribe(const QList<QByteArray> &channels);
    void setKeepAliveInterval(int ms) { m_keepAlive.setInterval(ms); }

Q_SIGNALS:
    // pattern is empty for a plain SUBSCRIBE.
    void message(const QByteArray &channel, const QByteArray &payload, const QByteArray &pattern);
    // The server confirmed a (re)subscription: messages published from now on arrive.
    void subscribed(const QByteArray &channelOrPattern);

private:
    void onReady();
    void onPush(const RedisReply &reply);

    RedisConnection *m_connection;
    QSet<QByteArray> m_channels;
    QSet<QByteArray> m_patterns;
    QTimer m_keepAlive;
};

} // namespace switchboard
