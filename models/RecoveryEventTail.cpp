#include "models/RecoveryEventTail.h"

#include "core/contract/RecordFields.h"
#include "core/redis/RedisConnection.h"
#include "core/redis/RedisStreamReader.h"
#include "models/RecoveryEventTableModel.h"

#include <QDateTime>

namespace switchboard {

namespace {
qint64 idMs(const QByteArray &id)
{
    return id.left(id.indexOf('-')).toLongLong();
}
} // namespace

RecoveryEventTail::RecoveryEventTail(const RedisConnectionOptions &options, QByteArray streamKey,
                                     RecoveryEventTableModel *model, QObject *parent)
    : QObject(parent)
    , m_reader(new RedisStreamReader(options, this))
    , m_key(std::move(streamKey))
    , m_model(model)
{
    m_reader->setBlockMs(1000);
    m_reader->setCount(1000);
    connect(m_reader, &RedisStreamReader::entries, this, &RecoveryEventTail::onEntries);
    connect(m_reader, &RedisStreamReader::gapDetected, this, &RecoveryEventTail::onGap);
    connect(m_reader, &RedisStreamReader::readError, this, &RecoveryEventTail::readError);
}

RecoveryEventTail::~RecoveryEventTail() = default;

void RecoveryEventTail::setCount(int count)
{
    m_reader->setCount(qBound(1, count, 10000));
}

void RecoveryEventTail::start(const QByteArray &fromId)
{
    if (!m_started) {
        m_reader->addStream(m_key, fromId);
        m_started = true;
        if (m_backfill > 0)
            connect(m_reader->connection(), &RedisConnection::ready, this,
                    &RecoveryEventTail::backfill, Qt::SingleShotConnection);
    }
    m_reader->start();
}

void RecoveryEventTail::stop()
{
    m_reader->stop();
}

EventRow RecoveryEventTail::rowFor(const RedisStreamEntry &entry)
{
    RecordFields fields;
    for (const auto &pair : entry.fields)
        fields.set(pair.first, pair.second);
    EventRow row
        = EventRow::fromParsed(RecoveryEvent::parse(fields, QString::fromLatin1(entry.id)));
    row.event.streamId = QString::fromLatin1(entry.id);
    // A record without a usable time is placed at its stream ID's time.
    if (row.type == EventRow::Type::Bad && row.event.at <= 0)
        row.event.at = idMs(entry.id);
    return row;
}

// Runs right after the reader's own ready handler queued its start-ID lookup, on the same
// connection: replies come in order, so this one arrives after the start ID is pinned and
// before the first XREAD is even sent. Entries newer than that ID come through the tail.
void RecoveryEventTail::backfill()
{
    m_reader->connection()->send(
        {QByteArrayLiteral("XREVRANGE"), m_key, QByteArrayLiteral("+"), QByteArrayLiteral("-"),
         QByteArrayLiteral("COUNT"), QByteArray::number(m_backfill)},
        this, [this](const RedisReply &r) {
            if (!r.isArray())
                return;
            const QByteArray pinned = m_reader->lastId(m_key);
            std::vector<EventRow> rows;
            rows.reserve(size_t(r.size()));
            for (qsizetype i = r.size() - 1; i >= 0; --i) {
                const RedisReply &e = r.at(i);
                if (e.size() != 2
                    || (pinned != "$" && compareStreamIds(e.at(0).data(), pinned) > 0))
                    continue;
                RedisStreamEntry entry;
                entry.id = e.at(0).data();
                for (qsizetype f = 0; f + 1 < e.at(1).size(); f += 2)
                    entry.fields.append({e.at(1).at(f).data(), e.at(1).at(f + 1).data()});
                rows.push_back(rowFor(entry));
                if (m_observer)
                    m_observer(rows.back());
            }
            m_model->append(std::move(rows));
        });
}

void RecoveryEventTail::onEntries(const QByteArray &stream, const QList<RedisStreamEntry> &batch)
{
    if (stream != m_key)
        return;
    if (m_addedBefore < 0 && m_read == 0) {
        // Everything the stream ever held up to our starting point.
        const auto info = m_reader->streamInfo(m_key);
        if (info.entriesAdded >= 0)
            m_addedBefore = info.entriesAdded;
    }
    std::vector<EventRow> rows;
    rows.reserve(size_t(batch.size()));
    for (const RedisStreamEntry &entry : batch) {
        rows.push_back(rowFor(entry));
        if (m_observer)
            m_observer(rows.back());
    }
    m_read += batch.size();
    m_model->append(std::move(rows));
}

void RecoveryEventTail::onGap(const QByteArray &stream, const QByteArray &lastId,
                              const QByteArray &firstId)
{
    if (stream != m_key)
        return;
    const auto info = m_reader->streamInfo(m_key);
    qint64 missing = -1;
    // entries-added counts every XADD ever; what is gone after our last ID is that minus
    // what preceded our start, what we read and what is still there (all newer than it).
    // A counter lower than what we already saw means the stream was created anew (a
    // Redis restart without persistence, a DEL): the count says nothing then.
    const bool recreated = info.entriesAdded >= 0 && m_addedBefore >= 0
        && info.entriesAdded < m_addedBefore + m_read;
    if (info.entriesAdded >= 0 && info.length >= 0 && m_addedBefore >= 0 && !recreated)
        missing = qMax<qint64>(
            0, info.entriesAdded - m_addedBefore - m_read - info.length - m_missingReported);
    if (missing > 0)
        m_missingReported += missing;
    const qint64 spanS = firstId.isEmpty() ? -1 : (idMs(firstId) - idMs(lastId)) / 1000;
    QString text;
    if (recreated)
        text = QStringLiteral("gap: the stream was recreated since %1; events may be missing")
                   .arg(QString::fromLatin1(lastId));
    else if (missing >= 0)
        text = QStringLiteral("gap: %1 events missing (stream trimmed past %2)")
                   .arg(missing)
                   .arg(QString::fromLatin1(lastId));
    else
        text = QStringLiteral("gap: events may be missing (stream trimmed past %1)")
                   .arg(QString::fromLatin1(lastId));
    if (spanS >= 0)
        text += QStringLiteral(", up to %1 s of events before %2")
                    .arg(spanS)
                    .arg(QString::fromLatin1(firstId));
    const qint64 at = firstId.isEmpty() ? QDateTime::currentMSecsSinceEpoch() : idMs(firstId);
    m_model->append(EventRow::gap(at, text, missing));
}

} // namespace switchboard
