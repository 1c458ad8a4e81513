#include "core/services/RecoveryEventTail.h"

#include "core/services/RecoveryEventTailWorker.h"

#include <QPointer>
#include <QThread>

namespace switchboard {

RecoveryEventTail::RecoveryEventTail(const RedisConnectionOptions &options, QByteArray streamKey,
                                     RecoveryEventSink *sink, QObject *parent)
    : QObject(parent)
    , m_sink(sink)
    , m_thread(new QThread(this))
    , m_sinkSkippedBefore(sink->neverListed())
{
    QPointer<RecoveryEventTail> self(this);
    // Runs on the worker thread: one queued call per batch, however many rows join it.
    m_worker = new RecoveryEventTailWorker(options, std::move(streamKey), sink->capacity(), [self] {
        if (self)
            QMetaObject::invokeMethod(self.data(), &RecoveryEventTail::takeBatch,
                                      Qt::QueuedConnection);
    });
    m_worker->moveToThread(m_thread);
    connect(m_worker, &RecoveryEventTailWorker::readError, this, &RecoveryEventTail::readError);
    m_thread->setObjectName(QStringLiteral("events tail"));
    m_thread->start();
    QMetaObject::invokeMethod(m_worker, &RecoveryEventTailWorker::init, Qt::QueuedConnection);
}

RecoveryEventTail::~RecoveryEventTail()
{
    // The worker only ever waits on its own event loop, so this returns promptly. (A
    // thread that is not running any more has nothing that could race: delete here.)
    if (m_thread->isRunning())
        QMetaObject::invokeMethod(m_worker, &RecoveryEventTailWorker::shutdown,
                                  Qt::BlockingQueuedConnection);
    else
        m_worker->shutdown();
    m_thread->quit();
    if (!m_thread->wait(5000)) {
        // Deleting a worker its thread may still run, or a running QThread, would crash
        // the console on close: leave both to the process's end instead.
        qWarning("events tail: the worker thread did not stop within 5 s; left running");
        m_thread->setParent(nullptr);
        return;
    }
    delete m_worker; // no longer running anywhere: its thread has finished
}

void RecoveryEventTail::start(const QByteArray &fromId)
{
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, fromId] { w->start(fromId); }, Qt::QueuedConnection);
}

void RecoveryEventTail::stop()
{
    QMetaObject::invokeMethod(m_worker, &RecoveryEventTailWorker::stop, Qt::QueuedConnection);
}

void RecoveryEventTail::setCount(int count)
{
    const int c = qBound(1, count, 10000);
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, c] { w->setCount(c); }, Qt::QueuedConnection);
}

void RecoveryEventTail::setBlockMs(int ms)
{
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, ms] { w->setBlockMs(ms); }, Qt::QueuedConnection);
}

void RecoveryEventTail::setIdentityCheckMs(int ms)
{
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, ms] { w->setIdentityCheckMs(ms); }, Qt::QueuedConnection);
}

void RecoveryEventTail::setBackfill(int count)
{
    const int c = qBound(0, count, 10000);
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, c] { w->setBackfill(c); }, Qt::QueuedConnection);
}

QByteArray RecoveryEventTail::lastId() const
{
    return m_worker->lastId();
}

int RecoveryEventTail::connectionState() const
{
    return m_worker->connectionState();
}

qint64 RecoveryEventTail::entriesRead() const
{
    return m_worker->entriesRead();
}

int RecoveryEventTail::connects() const
{
    return m_worker->connects();
}

qint64 RecoveryEventTail::rowsSkipped() const
{
    return m_skipped + m_sink->neverListed() - m_sinkSkippedBefore;
}

void RecoveryEventTail::takeBatch()
{
    m_worker->setCapacity(m_sink->capacity());
    TailBatch batch = m_worker->take();
    if (batch.isEmpty() && batch.dropped == 0)
        return;
    m_skipped += batch.dropped;
    if (m_rateSink && !batch.rates.isEmpty())
        m_rateSink(batch.rates);
    m_sink->applyBatch(std::move(batch));
}

} // namespace switchboard
