#include "core/services/ProcessEventLog.h"

#include "core/contract/RecordFields.h"
#include "core/redis/RedisClient.h"
#include "core/redis/RedisStreamEntry.h"
#include "core/redis/RedisStreamReader.h"

#include <algorithm>

namespace switchboard {

ProcessEventLog::ProcessEventLog(RedisClient *client, const RedisConnectionOptions &readerOptions,
                                 QByteArray streamKey, int capacity, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_reader(new RedisStreamReader(readerOptions, this))
    , m_key(std::move(streamKey))
    , m_capacity(qMax(1, capacity))
{
    m_reader->setCount(500);
    connect(m_reader, &RedisStreamReader::entries, this,
            [this](const QByteArray &, const QList<RedisStreamEntry> &batch) { onEntries(batch); });
    connect(m_reader, &RedisStreamReader::readError, this, &ProcessEventLog::failed);
    // An entry over the reply cap: the reader moved past it; it is kept as a bad entry.
    connect(m_reader, &RedisStreamReader::oversizedEntry, this,
            [this](const QByteArray &, const QByteArray &id, const QString &message) {
                add({unreadable(id, message)});
            });
}

ProcessEventLog::~ProcessEventLog() = default;

void ProcessEventLog::start()
{
    seed(m_capacity);
}

void ProcessEventLog::seed(int count)
{
    // Newest first, bounded: the last `capacity` events are all the view ever shows.
    m_client->command({"XREVRANGE", m_key, "+", "-", "COUNT", QByteArray::number(count)}, this,
                      [this, count](const RedisReply &r) {
                          QVector<LoggedProcessEvent> seed;
                          QByteArray newest = QByteArrayLiteral("0");
                          if (r.isOversized()) {
                              // The newest entries that fitted, or the newest alone as bad.
                              const int fitted = r.oversizedPath().value(0, -1);
                              if (count > 1 && fitted != 0)
                                  return this->seed(fitted > 0 ? fitted : qMax(1, count / 4));
                              const QByteArray id = r.oversizedContext().value(1);
                              if (isStreamId(id)) {
                                  seed.append(unreadable(id, r.errorMessage()));
                                  newest = id;
                              } else {
                                  Q_EMIT failed(r.errorMessage());
                                  newest = QByteArrayLiteral("$");
                              }
                          } else if (!r.isArray()) {
                              Q_EMIT failed(QStringLiteral("XREVRANGE %1: %2")
                                                .arg(QString::fromUtf8(m_key), r.toDebugText()));
                              newest = QByteArrayLiteral("$");
                          } else {
                              for (qsizetype i = r.size() - 1; i >= 0; --i) {
                                  const RedisReply &e = r.at(i);
                                  if (!e.isArray() || e.size() != 2)
                                      continue;
                                  QList<QByteArray> flat;
                                  for (const RedisReply &f : e.at(1).elements())
                                      flat.append(f.data());
                                  seed.append(parse(e.at(0).data(), flat));
                                  newest = e.at(0).data();
                              }
                          }
                          add(seed);
                          m_reader->addStream(m_key, newest);
                          m_reader->start();
                      });
}

void ProcessEventLog::stop()
{
    m_reader->stop();
}

LoggedProcessEvent ProcessEventLog::parse(const QByteArray &id, const QList<QByteArray> &flat) const
{
    LoggedProcessEvent out;
    out.streamId = id;
    const auto parsed
        = ProcessEvent::parse(RecordFields::fromFlatList(flat), QString::fromUtf8(id));
    out.event = parsed.value();
    out.event.streamId = QString::fromUtf8(id);
    if (!parsed.isOk())
        out.error = parsed.message();
    return out;
}

LoggedProcessEvent ProcessEventLog::unreadable(const QByteArray &id, const QString &reason) const
{
    LoggedProcessEvent out;
    out.streamId = id;
    out.event.streamId = QString::fromUtf8(id);
    out.event.at = id.left(id.indexOf('-')).toLongLong();
    out.error
        = QStringLiteral("process event ") + out.event.streamId + QStringLiteral(": ") + reason;
    return out;
}

void ProcessEventLog::onEntries(const QList<RedisStreamEntry> &batch)
{
    QVector<LoggedProcessEvent> events;
    events.reserve(batch.size());
    for (const RedisStreamEntry &e : batch) {
        QList<QByteArray> flat;
        for (const auto &f : e.fields)
            flat << f.first << f.second;
        events.append(parse(e.id, flat));
    }
    add(events);
}

void ProcessEventLog::add(const QVector<LoggedProcessEvent> &events)
{
    if (events.isEmpty())
        return;
    for (const LoggedProcessEvent &e : events)
        m_events.push_back(e);
    while (int(m_events.size()) > m_capacity)
        m_events.pop_front();
    Q_EMIT appended(events);
}

QVector<LoggedProcessEvent> ProcessEventLog::eventsFor(const QString &host, const QString &app,
                                                       int max) const
{
    QVector<LoggedProcessEvent> out;
    for (auto it = m_events.crbegin(); it != m_events.crend() && out.size() < max; ++it) {
        if (it->error.isEmpty() && it->event.host == host && it->event.app == app)
            out.append(*it);
    }
    return out;
}

int ProcessEventLog::restartsLastHour(const QString &host, const QString &app, qint64 pmId,
                                      qint64 nowMs) const
{
    const qint64 since = nowMs - 3600 * 1000;
    int n = 0;
    for (auto it = m_events.crbegin(); it != m_events.crend(); ++it) {
        const ProcessEvent &e = it->event;
        if (e.at < since)
            break; // the stream is in time order (bridge clocks aside)
        if (it->error.isEmpty() && e.event == ProcessEventKind::Online && e.pmId == pmId
            && e.host == host && e.app == app)
            ++n;
    }
    return n;
}

} // namespace switchboard
