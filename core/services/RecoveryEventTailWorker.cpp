#include "core/services/RecoveryEventTailWorker.h"

#include "core/contract/Caps.h"
#include "core/contract/RecordFields.h"
#include "core/redis/RedisConnection.h"
#include "core/redis/RedisStreamReader.h"

#include <QDateTime>
#include <QMutexLocker>
#include <QThread>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <hiredis/hiredis.h>
#include <iterator>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace switchboard {

namespace {
qint64 idMs(const QByteArray &id)
{
    return id.left(id.indexOf('-')).toLongLong();
}

bool isString(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

bool isDetail(const redisReply *name)
{
    return name->len == 6 && std::memcmp(name->str, "detail", 6) == 0;
}

// The row drops `detail` (shown on demand from Postgres), so a tree is never needed: a
// detail that is empty, within the parser's cap, at most 64 brackets deep (counted
// conservatively: every bracket), without a NUL byte and valid JSON passes the parser
// unchanged; it is validated without building a tree. Anything else goes to the parser
// for its message.
bool detailIsFine(const redisReply *value)
{
    if (value->len == 0)
        return true;
    if (qsizetype(value->len) > caps::kDetailJson)
        return false;
    const char *begin = value->str;
    const char *end = value->str + value->len;
    if (std::count(begin, end, '[') + std::count(begin, end, '{') > 64)
        return false;
    if (std::memchr(begin, '\0', value->len)) // nlohmann's accept() stops at a NUL
        return false;
    return nlohmann::json::accept(begin, end);
}

// Borrowed bytes: valid while the reply lives, i.e. during the parse only.
QByteArray borrow(const redisReply *r)
{
    return QByteArray::fromRawData(r->str, qsizetype(r->len));
}
} // namespace

RecoveryEventTailWorker::RecoveryEventTailWorker(RedisConnectionOptions options,
                                                 QByteArray streamKey, int capacity,
                                                 std::function<void()> notify)
    : m_options(std::move(options))
    , m_key(std::move(streamKey))
    , m_notify(std::move(notify))
    , m_capacity(qMax(1, capacity))
{ }

RecoveryEventTailWorker::~RecoveryEventTailWorker() = default;

void RecoveryEventTailWorker::init()
{
    Q_ASSERT(thread() == QThread::currentThread());
    lowerThreadWeight();
    m_reader = new RedisStreamReader(m_options, this);
    m_reader->setBlockMs(m_blockMs);
    m_reader->setCount(m_count);
    if (m_identityCheckMs >= 0)
        m_reader->setIdentityCheckMs(m_identityCheckMs);
    connect(m_reader, &RedisStreamReader::entries, this, &RecoveryEventTailWorker::onEntries);
    m_reader->setRawEntries([this](const QByteArray &stream, const redisReply *entries) {
        onRawEntries(stream, entries);
    });
    connect(m_reader, &RedisStreamReader::gapDetected, this, &RecoveryEventTailWorker::onGap);
    connect(m_reader, &RedisStreamReader::identityChanged, this,
            &RecoveryEventTailWorker::onIdentityChanged);
    connect(m_reader, &RedisStreamReader::readError, this, &RecoveryEventTailWorker::readError);
    connect(m_reader, &RedisStreamReader::oversizedEntry, this,
            &RecoveryEventTailWorker::onOversizedEntry);
    connect(m_reader, &RedisStreamReader::reading, this, [this] {
        QMutexLocker lock(&m_mutex);
        m_lastId = m_reader->lastId(m_key);
    });
    connect(m_reader->connection(), &RedisConnection::stateChanged, this,
            [this](RedisConnection::State state) {
                m_state.store(int(state));
                if (state == RedisConnection::State::Ready)
                    m_connects.fetch_add(1);
            });
}

// The GUI thread and this one may share a CPU: under a flood both are runnable, and CFS
// (SCHED_OTHER ignores QThread::Priority) let the GUI wait behind a worker slice for
// 10+ ms. A higher nice value on this thread's own tid gives it a smaller weight, so the
// GUI wins when both want the CPU; the worker still gets everything the GUI leaves.
void RecoveryEventTailWorker::lowerThreadWeight()
{
    int nice = kWorkerNice;
    if (qEnvironmentVariableIsSet("SB_TAIL_NICE"))
        nice = qEnvironmentVariableIntValue("SB_TAIL_NICE");
    if (nice == 0)
        return;
    // Relative to what the thread inherited (a console started with `nice` stays below).
    const id_t tid = id_t(syscall(SYS_gettid));
    errno = 0;
    const int now = getpriority(PRIO_PROCESS, tid);
    if (errno == 0)
        setpriority(PRIO_PROCESS, tid, qBound(-20, now + nice, 19));
}

void RecoveryEventTailWorker::start(const QByteArray &fromId)
{
    if (!m_reader)
        return;
    if (!m_started) {
        m_reader->addStream(m_key, fromId);
        m_started = true;
        if (m_backfill > 0)
            connect(m_reader->connection(), &RedisConnection::ready, this,
                    &RecoveryEventTailWorker::backfill, Qt::SingleShotConnection);
    }
    m_reader->start();
}

void RecoveryEventTailWorker::stop()
{
    if (m_reader)
        m_reader->stop();
}

void RecoveryEventTailWorker::setCount(int count)
{
    m_count = count;
    if (m_reader)
        m_reader->setCount(count);
}

void RecoveryEventTailWorker::setBlockMs(int ms)
{
    m_blockMs = ms;
    if (m_reader)
        m_reader->setBlockMs(ms);
}

void RecoveryEventTailWorker::setIdentityCheckMs(int ms)
{
    m_identityCheckMs = ms;
    if (m_reader)
        m_reader->setIdentityCheckMs(ms);
}

void RecoveryEventTailWorker::shutdown()
{
    delete m_reader; // its socket and timers belong to this thread: destroyed here
    m_reader = nullptr;
}

void RecoveryEventTailWorker::trimBatch(TailBatch *batch, size_t capacity)
{
    const qint64 dropped = trimOldestKeepingGaps(batch->rows, capacity);
    batch->dropped += dropped;
    batch->counters.evicted += dropped;
}

TailBatch RecoveryEventTailWorker::take()
{
    QMutexLocker lock(&m_mutex);
    TailBatch out = std::move(m_batch);
    m_batch = TailBatch();
    m_posted = false;
    trimBatch(&out, size_t(m_capacity.load()));
    return out;
}

QByteArray RecoveryEventTailWorker::lastId() const
{
    QMutexLocker lock(&m_mutex);
    return m_lastId;
}

RecoveryEventRow RecoveryEventTailWorker::rowFor(const RedisStreamEntry &entry)
{
    RecordFields fields;
    fields.reserve(int(entry.fields.size()));
    for (const auto &pair : entry.fields)
        fields.set(pair.first, pair.second);
    RecoveryEventRow row
        = RecoveryEventRow::fromParsed(RecoveryEvent::parse(fields, QString::fromLatin1(entry.id)));
    row.event.streamId = QString::fromLatin1(entry.id);
    // A record without a usable time is placed at its stream ID's time.
    if (row.type == RecoveryEventRow::Type::Bad && row.event.at <= 0)
        row.event.at = idMs(entry.id);
    return row;
}

bool RecoveryEventTailWorker::rowFor(const redisReply *entry, RecoveryEventRow *row,
                                     RecoveryEventRowInterner *interner)
{
    if (!entry || entry->type != REDIS_REPLY_ARRAY || entry->elements != 2
        || !isString(entry->element[0]))
        return false;
    const QByteArray id(entry->element[0]->str, qsizetype(entry->element[0]->len));
    const redisReply *fv = entry->element[1];
    RecordFields fields;
    QString shape; // what is wrong with the entry's structure, if anything
    if (fv && fv->type == REDIS_REPLY_ARRAY) {
        fields.reserve(int(fv->elements / 2));
        size_t wrong = 0;
        for (size_t i = 0; i + 1 < fv->elements; i += 2) {
            const redisReply *name = fv->element[i];
            const redisReply *value = fv->element[i + 1];
            if (!isString(name)) {
                ++wrong;
                continue;
            }
            if (isString(value) && isDetail(name)) {
                // Empty reads as "not set"; a bad one goes in for the parser's message.
                fields.set(borrow(name), detailIsFine(value) ? QByteArray() : borrow(value));
            } else if (isString(value)) {
                fields.set(borrow(name), borrow(value));
            } else {
                ++wrong;
                fields.set(borrow(name), QByteArray());
            }
        }
        if (fv->elements % 2 != 0) {
            const redisReply *name = fv->element[fv->elements - 1];
            if (isString(name))
                fields.set(borrow(name), QByteArray());
            shape = QStringLiteral("odd number of elements (%1) in a name/value list")
                        .arg(fv->elements);
        } else if (wrong > 0) {
            shape = QStringLiteral("%1 field names or values are not strings").arg(wrong);
        }
    } else {
        shape = QStringLiteral("the entry's fields are not a list");
    }
    const QString streamId = QString::fromLatin1(id); // one copy, shared by both
    *row = RecoveryEventRow::fromParsed(RecoveryEvent::parse(fields, streamId));
    row->event.streamId = streamId;
    if (!shape.isEmpty()) { // the parser's reasons follow, as for fromFlatList's message
        const QString prefix
            = QStringLiteral("event ") + row->event.streamId + QStringLiteral(": ");
        if (row->type == RecoveryEventRow::Type::Bad && row->problem.startsWith(prefix))
            row->problem.insert(prefix.size(), shape + QLatin1Char('\n'));
        else
            row->problem = prefix + shape;
        row->type = RecoveryEventRow::Type::Bad;
    }
    if (row->type == RecoveryEventRow::Type::Bad && row->event.at <= 0)
        row->event.at = idMs(id);
    if (interner)
        interner->intern(row);
    return true;
}

// Counted and rated here, for every row, so the figures stay exact when the batch has to
// drop rows the GUI could never show anyway (more than the buffer holds).
void RecoveryEventTailWorker::publish(std::vector<RecoveryEventRow> rows, bool backfilled)
{
    if (m_backfilling && !backfilled) {
        std::move(rows.begin(), rows.end(), std::back_inserter(m_held));
        return;
    }
    if (backfilled && !m_held.empty()) {
        std::move(m_held.begin(), m_held.end(), std::back_inserter(rows));
        m_held.clear();
    }
    bool notify = false;
    {
        QMutexLocker lock(&m_mutex);
        if (m_reader)
            m_lastId = m_reader->lastId(m_key);
        for (const RecoveryEventRow &row : rows) {
            m_batch.counters.count(row);
            m_batch.rates.add(row);
        }
        if (m_batch.rows.empty()) { // the GUI took the last batch: this one is the batch
            m_batch.rows = std::move(rows);
        } else {
            // Grown geometrically: reserving the exact sum relocated every row of the
            // batch again on each publish while the GUI was away (~6% of this thread).
            const size_t need = m_batch.rows.size() + rows.size();
            if (need > m_batch.rows.capacity())
                m_batch.rows.reserve(std::max(need, 2 * m_batch.rows.capacity()));
            std::move(rows.begin(), rows.end(), std::back_inserter(m_batch.rows));
        }
        // Trimmed to the capacity when it holds twice that: amortised O(1) per row (a
        // trim per publish would move the whole batch each time while the GUI is away).
        const size_t cap = size_t(m_capacity.load());
        if (m_batch.rows.size() > 2 * cap)
            trimBatch(&m_batch, cap);
        if (!m_posted) {
            m_posted = true;
            notify = true;
        }
    }
    if (notify && m_notify)
        m_notify();
}

// Runs right after the reader's own ready handler queued its start-ID lookup, on the same
// connection: replies come in order, so this one arrives after the start ID is pinned and
// before the first XREAD is even sent. Entries newer than that ID come through the tail.
void RecoveryEventTailWorker::backfill()
{
    backfillAtMost(m_backfill, QByteArray());
}

// Over the reply cap (5 000 events of up to 80 KiB each can be): asked again for the newest
// that fitted, from the pinned ID down. Live rows read meanwhile wait (publish), so the
// older rows still come first.
void RecoveryEventTailWorker::backfillAtMost(int count, const QByteArray &pinnedAt)
{
    m_backfilling = true;
    const QByteArray from
        = pinnedAt.isEmpty() || pinnedAt == "$" ? QByteArrayLiteral("+") : pinnedAt;
    m_reader->connection()->send(
        {QByteArrayLiteral("XREVRANGE"), m_key, from, QByteArrayLiteral("-"),
         QByteArrayLiteral("COUNT"), QByteArray::number(count)},
        this, [this, count, pinnedAt](const RedisReply &r) {
            const QByteArray pinned = pinnedAt.isEmpty() ? m_reader->lastId(m_key) : pinnedAt;
            std::vector<RecoveryEventRow> rows;
            if (r.isOversized()) {
                // [[id, [field, value, ...]], ...]: the entries before the one it broke in
                // fitted. The newest alone over the cap is shown as that.
                const int fitted = r.oversizedPath().value(0, -1);
                if (count > 1 && fitted != 0) {
                    backfillAtMost(fitted > 0 ? fitted : qMax(1, count / 4), pinned);
                    return;
                }
                const QByteArray id = r.oversizedContext().value(1);
                if (isStreamId(id))
                    rows.push_back(RecoveryEventRow::unreadable(id, r.errorMessage()));
            }
            m_backfilling = false;
            if (!r.isArray()) {
                if (!rows.empty() || !m_held.empty())
                    publish(std::move(rows), true);
                return;
            }
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
            }
            publish(std::move(rows), true);
        });
}

void RecoveryEventTailWorker::noteAddedBefore()
{
    if (m_addedBefore == -1 && m_read.load() == 0) {
        // Everything the stream ever held up to our starting point.
        const auto info = m_reader->streamInfo(m_key);
        if (info.entriesAdded >= 0)
            m_addedBefore = info.entriesAdded;
    }
}

void RecoveryEventTailWorker::onEntries(const QByteArray &stream,
                                        const QList<RedisStreamEntry> &batch)
{
    if (stream != m_key)
        return;
    noteAddedBefore();
    std::vector<RecoveryEventRow> rows;
    rows.reserve(size_t(batch.size()));
    for (const RedisStreamEntry &entry : batch)
        rows.push_back(rowFor(entry));
    m_read.fetch_add(batch.size());
    publish(std::move(rows));
}

void RecoveryEventTailWorker::onRawEntries(const QByteArray &stream, const redisReply *entries)
{
    if (stream != m_key)
        return;
    noteAddedBefore();
    std::vector<RecoveryEventRow> rows;
    rows.reserve(entries->elements);
    for (size_t i = 0; i < entries->elements; ++i) {
        // Parsed in place: a RecoveryEventRow is ~270 bytes of strings and fields, and a move
        // into the vector was ~6% of this thread (perf).
        rows.emplace_back();
        if (!rowFor(entries->element[i], &rows.back(), &m_interner))
            rows.pop_back();
    }
    m_read.fetch_add(qint64(rows.size()));
    publish(std::move(rows));
}

// An entry over the reply cap: the reader has moved past it; it is one marked bad row.
void RecoveryEventTailWorker::onOversizedEntry(const QByteArray &stream, const QByteArray &id,
                                               const QString &message)
{
    if (stream != m_key)
        return;
    noteAddedBefore();
    m_read.fetch_add(1);
    std::vector<RecoveryEventRow> rows;
    rows.push_back(RecoveryEventRow::unreadable(id, message));
    publish(std::move(rows));
}

void RecoveryEventTailWorker::onGap(const QByteArray &stream, const QByteArray &lastId,
                                    const QByteArray &firstId)
{
    if (stream != m_key)
        return;
    const auto info = m_reader->streamInfo(m_key);
    const qint64 read = m_read.load();
    qint64 missing = -1;
    // entries-added counts every XADD ever; what is gone after our last ID is that minus
    // what preceded our start, what we read and what is still there (all newer than it).
    // A counter lower than what we already saw means the stream was created anew (a
    // Redis restart without persistence, a DEL): the count says nothing then.
    const bool recreated
        = info.entriesAdded >= 0 && m_addedBefore >= 0 && info.entriesAdded < m_addedBefore + read;
    if (info.entriesAdded >= 0 && info.length >= 0 && m_addedBefore >= 0 && !recreated)
        missing = qMax<qint64>(
            0, info.entriesAdded - m_addedBefore - read - info.length - m_missingReported);
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
    std::vector<RecoveryEventRow> rows;
    rows.push_back(RecoveryEventRow::gap(at, text, missing));
    publish(std::move(rows));
}

} // namespace switchboard

namespace switchboard {

QString RecoveryEventTailWorker::identityText(const RedisStreamReader::IdentityChange &c)
{
    using Kind = RedisStreamReader::IdentityChange::Kind;
    const auto id = [](const QByteArray &v) {
        return QString::fromLatin1(v);
    };
    const auto run = [](const QByteArray &v) {
        return v.isEmpty() ? QStringLiteral("unknown") : QString::fromLatin1(v.left(12));
    };
    QString text;
    switch (c.kind) {
    case Kind::WentBack:
        text = QStringLiteral("gap: the stream went back from %1 to %2 (failover to a server "
                              "behind, or the stream replaced)")
                   .arg(id(c.lastRead), id(c.streamLast));
        break;
    case Kind::Replaced:
        if (c.streamLast.isEmpty())
            text = QStringLiteral("gap: the stream was deleted after %1").arg(id(c.lastRead));
        else
            text = QStringLiteral("gap: the stream was replaced (%1 entries ever added, %2 "
                                  "before)")
                       .arg(c.addedNow)
                       .arg(c.addedSeen);
        break;
    case Kind::ServerChanged:
        text = QStringLiteral("gap: the server changed (run_id %1 -> %2)")
                   .arg(run(c.oldRunId), run(c.newRunId));
        break;
    }
    if (c.kind != Kind::ServerChanged && !c.newRunId.isEmpty())
        text += QStringLiteral("; the server changed too (run_id %1 -> %2)")
                    .arg(run(c.oldRunId), run(c.newRunId));
    if (c.resumeAfter.isEmpty()) {
        // Same stream, another server: what the old one had not passed on is lost.
        text += QStringLiteral(": the stream still holds %1; events written to the old server "
                               "after it may be missing")
                    .arg(id(c.lastRead));
    } else if (c.resumeAfter == "0-0") {
        text += QStringLiteral(": reading it again from its first entry; events after %1 may "
                               "be missing, events read before may be shown again")
                    .arg(id(c.lastRead));
    } else {
        text += QStringLiteral(": reading again after %1; events after %2 may be missing, "
                               "events read before may be shown again")
                    .arg(id(c.resumeAfter), id(c.lastRead));
    }
    return text;
}

// Another stream under the same key: the read count and entries-added no longer add up,
// so later trim gaps are not sized (they say "may be missing").
void RecoveryEventTailWorker::onIdentityChanged(const QByteArray &stream,
                                                const RedisStreamReader::IdentityChange &change)
{
    if (stream != m_key)
        return;
    if (!change.resumeAfter.isEmpty())
        m_addedBefore = -2;
    const qint64 at = isStreamId(change.resumeAfter) && change.resumeAfter != "0-0"
        ? idMs(change.resumeAfter)
        : QDateTime::currentMSecsSinceEpoch();
    std::vector<RecoveryEventRow> rows;
    rows.push_back(RecoveryEventRow::gap(at, identityText(change), -1));
    publish(std::move(rows));
}

} // namespace switchboard
