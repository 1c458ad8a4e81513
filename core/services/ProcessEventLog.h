#pragma once
// The recent PM2 events of the fleet (`N proc-events`), kept in memory for the processes
// view: restarts in the last hour per instance and the side panel of one app's events.
// Seeded with one bounded XREVRANGE, then followed with a RedisStreamReader from the
// newest id seen, so nothing between the two is lost or read twice.
#include "core/redis/RedisConnectionOptions.h"
#include "core/types/LoggedProcessEvent.h"

#include <QObject>
#include <QVector>

#include <deque>

namespace switchboard {

class RedisClient;
class RedisStreamReader;
struct RedisStreamEntry;

class ProcessEventLog : public QObject
{
    Q_OBJECT
public:
    // client: for the seed read; readerOptions: the stream reader's own connection.
    ProcessEventLog(RedisClient *client, const RedisConnectionOptions &readerOptions,
                    QByteArray streamKey, int capacity = 5000, QObject *parent = nullptr);
    ~ProcessEventLog() override;

    void start();
    void stop();

    const std::deque<LoggedProcessEvent> &events() const { return m_events; } // oldest first
    // Events of one app on one host (any instance), newest first, at most max.
    QVector<LoggedProcessEvent> eventsFor(const QString &host, const QString &app,
                                          int max = 500) const;
    // (Re)starts of one instance since nowMs - 1 h: its `online` events (crash restarts
    // by the daemon bring no `restart` bus event). What the log still holds.
    int restartsLastHour(const QString &host, const QString &app, qint64 pmId, qint64 nowMs) const;

Q_SIGNALS:
    void appended(const QVector<switchboard::LoggedProcessEvent> &events);
    void failed(const QString &message);

private:
    void seed(int count); // the newest `count`, fewer while that is over the reply cap
    void onEntries(const QList<RedisStreamEntry> &batch);
    LoggedProcessEvent unreadable(const QByteArray &id, const QString &reason) const;
    LoggedProcessEvent parse(const QByteArray &id, const QList<QByteArray> &flat) const;
    void add(const QVector<LoggedProcessEvent> &events);

    RedisClient *m_client;
    RedisStreamReader *m_reader;
    QByteArray m_key;
    int m_capacity;
    std::deque<LoggedProcessEvent> m_events;
};

} // namespace switchboard
