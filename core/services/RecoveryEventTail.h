#pragma once
// The live tail of the recovery-events stream, on its own connection and its own thread.
// A RecoveryEventTailWorker on a QThread runs the RedisStreamReader (XREAD BLOCK with a
// bounded COUNT, resumes from the last ID after a reconnect, gap rows when the stream was
// trimmed past it, went backwards, was replaced or is on another server) and parses every
// entry; the GUI thread only takes the parsed rows, one
// batch per event-loop pass, into a RecoveryEventSink (the table model). So the GUI thread neither
// reads the network nor parses, and a stream faster than the screen costs skipped
// (counted) rows rather than a growing queue.
#include "core/redis/RedisConnectionOptions.h"
#include "core/types/RecoveryEventRateBuckets.h"
#include "core/types/RecoveryEventSink.h"

#include <QObject>

#include <functional>

class QThread;

namespace switchboard {

class RecoveryEventTailWorker;

class RecoveryEventTail : public QObject
{
    Q_OBJECT
public:
    RecoveryEventTail(const RedisConnectionOptions &options, QByteArray streamKey,
                      RecoveryEventSink *sink, QObject *parent = nullptr);
    // Stops the worker: the reader is destroyed on its thread, then the thread ends
    // (bounded wait: the worker never blocks, it only waits on its event loop).
    ~RecoveryEventTail() override;

    // fromId as for RedisStreamReader::addStream ("$" = what comes from now on).
    void start(const QByteArray &fromId = QByteArrayLiteral("$"));
    void stop();
    void setCount(int count); // XREAD COUNT per round trip (bounded)
    void setBlockMs(int ms); // XREAD BLOCK
    // How often the stream's identity is checked while reading (XINFO STREAM; also after
    // every reconnect): RedisStreamReader::setIdentityCheckMs.
    void setIdentityCheckMs(int ms);
    // On the first connect, also show up to `count` entries from before the start (one
    // bounded XREVRANGE), so the view opens on recent history rather than empty.
    void setBackfill(int count);
    // Where reading continues; empty until the start ID is pinned. Any thread.
    QByteArray lastId() const;
    int connectionState() const; // int(RedisConnection::State) of the tail's connection
    qint64 entriesRead() const;
    int connects() const; // times the tail's connection became ready (1 = never rebuilt)
    // Parsed and counted but never listed: dropped by the worker (the GUI fell behind by
    // more than the buffer) or by the sink (more arrived between two inserts than it holds).
    qint64 rowsSkipped() const;
    QThread *workerThread() const { return m_thread; }
    // Called on the GUI thread with each batch's events per minute by kind (every row
    // read, also those skipped), for the rate chart.
    void setRateSink(std::function<void(const RecoveryEventRateBuckets &)> sink)
    {
        m_rateSink = std::move(sink);
    }

Q_SIGNALS:
    void readError(const QString &message);

private:
    void takeBatch();

    RecoveryEventSink *m_sink;
    QThread *m_thread;
    RecoveryEventTailWorker *m_worker;
    std::function<void(const RecoveryEventRateBuckets &)> m_rateSink;
    qint64 m_skipped = 0;
    qint64 m_sinkSkippedBefore = 0; // the sink's neverListed() when this tail began
};

} // namespace switchboard
