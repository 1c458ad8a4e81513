#include "core/redis/RedisStreamReader.h"

#include <QPointer>
#include <QTimer>
#include <QVarLengthArray>

#include <hiredis/hiredis.h>
#include <memory>

namespace switchboard {

RedisStreamReader::RedisStreamReader(const RedisConnectionOptions &options, QObject *parent)
    : QObject(parent)
    , m_connection(new RedisConnection(options, this))
{
    connect(m_connection, &RedisConnection::ready, this, &RedisStreamReader::onReady);
}

void RedisStreamReader::addStream(const QByteArray &key, const QByteArray &fromId)
{
    m_lastIds.insert(key, fromId == "0" ? QByteArrayLiteral("0-0") : fromId);
    if (m_running && m_connection->state() == RedisConnection::State::Ready)
        onReady(); // restart the read so the new stream is included
}

void RedisStreamReader::start()
{
    m_running = true;
    m_connection->open();
    if (m_connection->state() == RedisConnection::State::Ready)
        onReady();
}

void RedisStreamReader::stop()
{
    m_running = false;
    ++m_round;
    m_reading = false;
    m_connection->close();
}

void RedisStreamReader::onReady()
{
    if (!m_running)
        return;
    ++m_round;
    m_reading = false;
    if (!m_clock.isValid())
        m_clock.start();
    readRunId();
    resolveStartIds();
}

// INFO server (~0.6 KB) once per connection. Its reply comes before those of the stream
// checks queued after it on this connection, so they see a changed run_id. Refused (an
// ACL user without +info) or unreadable: the streams are still checked; only another
// server whose streams look the same goes unnoticed.
void RedisStreamReader::readRunId()
{
    const quint64 round = m_round;
    m_connection->send(
        {QByteArrayLiteral("INFO"), QByteArrayLiteral("server")}, this,
        [this, round](const RedisReply &r) {
            if (round != m_round || !(r.isString() || r.isStatus()))
                return;
            QByteArray id;
            for (const QByteArray &line : r.data().split('\n')) {
                if (line.startsWith("run_id:")) {
                    id = line.mid(7).trimmed();
                    break;
                }
            }
            if (id.isEmpty())
                return;
            if (!m_runId.isEmpty() && id != m_runId) {
                m_previousRunId = m_runId;
                // Every stream read so far must show it is still the one read before.
                for (auto it = m_lastIds.cbegin(); it != m_lastIds.cend(); ++it) {
                    if (it.value() != "0-0" && it.value() != "$")
                        m_unconfirmed.insert(it.key());
                }
            }
            m_runId = id;
        },
        innerTimeoutMs());
}

// "$" would lose whatever is added while the connection is down, so it is pinned to the
// newest existing ID once, before the first read.
void RedisStreamReader::resolveStartIds()
{
    QList<QByteArray> unresolved;
    for (auto it = m_lastIds.cbegin(); it != m_lastIds.cend(); ++it) {
        if (it.value() == "$")
            unresolved << it.key();
    }
    if (unresolved.isEmpty()) {
        checkGaps();
        return;
    }
    const quint64 round = m_round;
    auto left = std::make_shared<int>(int(unresolved.size()));
    for (const QByteArray &key : unresolved) {
        m_connection->send(
            {QByteArrayLiteral("XREVRANGE"), key, QByteArrayLiteral("+"), QByteArrayLiteral("-"),
             QByteArrayLiteral("COUNT"), QByteArrayLiteral("1")},
            this,
            [this, key, left, round](const RedisReply &r) {
                if (round != m_round)
                    return;
                if (r.isArray()) {
                    m_lastIds[key] = r.size() > 0 && r.at(0).size() > 0 ? r.at(0).at(0).data()
                                                                        : QByteArrayLiteral("0-0");
                } else if (r.isOversized()) {
                    // The newest entry is over the reply cap: its ID is all "$" needs.
                    const QByteArray id = r.oversizedContext().value(1);
                    if (!isStreamId(id)) {
                        emit readError(QString::fromUtf8(key) + QStringLiteral(": ")
                                       + r.errorMessage());
                        return retryLater(&RedisStreamReader::resolveStartIds);
                    }
                    m_lastIds[key] = id;
                } else if (r.isError() && !r.isLocalError()) {
                    emit readError(QString::fromUtf8(key) + QStringLiteral(": ")
                                   + r.errorMessage());
                    m_lastIds[key] = QByteArrayLiteral("0-0");
                }
                if (--*left == 0 && !r.isLocalError())
                    checkGaps();
            },
            innerTimeoutMs());
    }
}

// After a (re)connect: every stream's identity, and whether entries we never saw are gone.
void RedisStreamReader::checkGaps()
{
    QList<QByteArray> keys;
    for (auto it = m_lastIds.cbegin(); it != m_lastIds.cend(); ++it) {
        if (it.value() != "0-0")
            keys << it.key();
    }
    checkStreams(keys, true);
}

// One XINFO STREAM per stream; no XREAD until all are judged (and any re-positioned).
void RedisStreamReader::checkStreams(const QList<QByteArray> &keys, bool afterConnect)
{
    if (keys.isEmpty()) {
        m_reading = false;
        readNext();
        return;
    }
    m_reading = true;
    const quint64 round = m_round;
    auto left = std::make_shared<int>(int(keys.size()));
    const std::function<void()> done = [this, left, round] {
        if (round != m_round || --*left > 0)
            return;
        m_reading = false;
        readNext();
    };
    for (const QByteArray &key : keys) {
        m_checkedAt.insert(key, m_clock.elapsed());
        m_connection->send(
            {QByteArrayLiteral("XINFO"), QByteArrayLiteral("STREAM"), key}, this,
            [this, key, round, afterConnect, done](const RedisReply &r) {
                if (round != m_round || r.isLocalError())
                    return; // the connection broke: onReady starts over
                judgeStream(key, r, afterConnect, done);
            },
            innerTimeoutMs());
    }
}

// Identity first: a stream that went backwards, was replaced, or (after a run_id change)
// no longer holds the last entry read is read again from up to count() entries before
// that entry. Then, after a (re)connect only, as before: entries we never saw may be
// gone. Redis 7 records the highest XDEL-ed ID per stream, and trimming shows as a first
// entry newer than our last ID. (If a trim stopped exactly at our last ID this reports a
// gap that lost nothing: better than missing a real one.)
void RedisStreamReader::judgeStream(const QByteArray &key, const RedisReply &r, bool afterConnect,
                                    const std::function<void()> &done)
{
    const QByteArray last = m_lastIds.value(key);
    const bool serverChanged = m_unconfirmed.remove(key);
    IdentityChange change;
    change.kind
        = serverChanged ? IdentityChange::Kind::ServerChanged : IdentityChange::Kind::Replaced;
    change.lastRead = last;
    change.addedSeen = m_seenAdded.value(key, -1);
    if (serverChanged) {
        change.oldRunId = m_previousRunId;
        change.newRunId = m_runId;
    }
    QPointer<RedisStreamReader> self(this);
    if (last == "0-0" || last == "$") {
        done(); // nothing read yet: nothing to skip
        return;
    }
    if (r.isError() && !r.isOversized()) {
        if (r.data().contains("no such key")) {
            // Gone (deleted, or another server without it): whatever comes next is new,
            // read from its first entry.
            m_lastIds[key] = QByteArrayLiteral("0-0");
            m_seenAdded.remove(key);
            m_info.remove(key);
            change.resumeAfter = m_lastIds.value(key);
            emit identityChanged(key, change);
        } else if (serverChanged) {
            emit identityChanged(key, change); // cannot tell more (refused)
        }
        if (self)
            done();
        return;
    }
    if (!r.isArray()) {
        // XINFO STREAM carries the first and last entries: one over the reply cap makes it
        // oversized. Reading goes on without a check this time.
        if (serverChanged)
            emit identityChanged(key, change);
        if (self)
            done();
        return;
    }
    QByteArray maxDeleted;
    StreamInfo info;
    for (qsizetype i = 0; i + 1 < r.size(); i += 2) {
        const QByteArray &name = r.at(i).data();
        if (name == "max-deleted-entry-id")
            maxDeleted = r.at(i + 1).data();
        else if (name == "first-entry" && r.at(i + 1).size() > 0)
            info.firstId = r.at(i + 1).at(0).data();
        else if (name == "length")
            info.length = r.at(i + 1).integer();
        else if (name == "entries-added")
            info.entriesAdded = r.at(i + 1).integer();
        else if (name == "last-generated-id")
            info.lastGeneratedId = r.at(i + 1).data();
    }
    m_info.insert(key, info);
    change.streamLast = info.lastGeneratedId;
    change.addedNow = info.entriesAdded;
    const qint64 seen = m_seenAdded.value(key, -1);
    // A stream's last-generated-id and entries-added never go down (XSETID aside).
    const bool wentBack
        = isStreamId(info.lastGeneratedId) && compareStreamIds(info.lastGeneratedId, last) < 0;
    const bool replaced = seen >= 0 && info.entriesAdded >= 0 && info.entriesAdded < seen;
    if (info.entriesAdded >= 0)
        m_seenAdded[key] = replaced ? info.entriesAdded : qMax(seen, info.entriesAdded);
    if (wentBack || replaced) {
        if (wentBack)
            change.kind = IdentityChange::Kind::WentBack;
        reposition(key, change, done);
        return;
    }
    if (serverChanged) {
        // Another server (a failover, a restart): the same stream only if it still holds
        // the last entry read. None of it there (empty, or its oldest is newer): reading
        // from its start is reading after our last ID, with nothing repeated.
        if (info.firstId.isEmpty() || compareStreamIds(info.firstId, last) > 0) {
            reposition(key, change, done);
            return;
        }
        const quint64 round = m_round;
        m_connection->send(
            {QByteArrayLiteral("XRANGE"), key, last, last}, this,
            [this, key, change, round, done](const RedisReply &x) {
                if (round != m_round || x.isLocalError())
                    return;
                if (x.isArray() && x.size() == 0 && m_lastIds.value(key) == change.lastRead) {
                    reposition(key, change, done);
                    return;
                }
                QPointer<RedisStreamReader> self(this);
                emit identityChanged(key, change); // the same stream, on another server
                if (self)
                    done();
            },
            innerTimeoutMs());
        return;
    }
    if (afterConnect) {
        // XDEL past our position, or MAXLEN/MINID trimming beyond it (the oldest survivor
        // is newer than what we read).
        const bool deleted = !maxDeleted.isEmpty() && compareStreamIds(maxDeleted, last) > 0;
        const bool trimmed = !info.firstId.isEmpty() && compareStreamIds(info.firstId, last) > 0;
        if (deleted || trimmed)
            emit gapDetected(key, last, info.firstId);
    }
    if (self)
        done();
}

// Reads again from before the newest count() entries at or below the last ID read (the
// stream's start when it has no more): bounded, and nothing in the new stream at or below
// that ID is skipped unseen. One XREVRANGE of up to count() + 1 entries; over the reply
// cap, from the entry it broke in (the newer ones fitted).
void RedisStreamReader::reposition(const QByteArray &key, IdentityChange change,
                                   const std::function<void()> &done)
{
    const quint64 round = m_round;
    m_connection->send(
        {QByteArrayLiteral("XREVRANGE"), key, change.lastRead, QByteArrayLiteral("-"),
         QByteArrayLiteral("COUNT"), QByteArray::number(qint64(m_count) + 1)},
        this,
        [this, key, change, round, done](const RedisReply &r) mutable {
            if (round != m_round || r.isLocalError())
                return;
            QByteArray from = QByteArrayLiteral("0-0");
            if (r.isArray()) {
                if (r.size() > m_count && r.at(r.size() - 1).size() > 0)
                    from = r.at(r.size() - 1).at(0).data();
            } else if (r.isOversized() && isStreamId(r.oversizedContext().value(1))) {
                from = r.oversizedContext().value(1);
            } else if (r.isError()) {
                // Cannot list it: go on after the newest entry both streams may share.
                from = isStreamId(change.streamLast)
                        && compareStreamIds(change.streamLast, change.lastRead) < 0
                    ? change.streamLast
                    : change.lastRead;
            }
            if (!isStreamId(from))
                from = QByteArrayLiteral("0-0");
            m_lastIds[key] = from;
            change.resumeAfter = from;
            QPointer<RedisStreamReader> self(this);
            emit identityChanged(key, change);
            if (self)
                done();
        },
        innerTimeoutMs());
}

// These may queue behind an XREAD BLOCK on the same connection: their timeout must cover
// the block, or they would time out early while the connection is healthy and the reader
// would never read again (it restarts only when the connection comes back).
int RedisStreamReader::innerTimeoutMs() const
{
    return m_blockMs + m_connection->options().commandTimeoutMs;
}

void RedisStreamReader::readNext()
{
    if (!m_running || m_reading || m_lastIds.isEmpty()
        || m_connection->state() != RedisConnection::State::Ready)
        return;
    if (m_identityCheckMs > 0 && m_clock.isValid()) {
        // At most one XINFO STREAM per stream per identityCheckMs, between two reads.
        const qint64 now = m_clock.elapsed();
        QList<QByteArray> due;
        for (auto it = m_lastIds.cbegin(); it != m_lastIds.cend(); ++it) {
            const auto at = m_checkedAt.constFind(it.key());
            if (it.value() != "0-0" && it.value() != "$"
                && (at == m_checkedAt.cend() || now - at.value() >= m_identityCheckMs))
                due << it.key();
        }
        if (!due.isEmpty()) {
            checkStreams(due, false);
            return;
        }
    }
    QList<QByteArray> args {QByteArrayLiteral("XREAD"),      QByteArrayLiteral("COUNT"),
                            QByteArray::number(m_readCount), QByteArrayLiteral("BLOCK"),
                            QByteArray::number(m_blockMs),   QByteArrayLiteral("STREAMS")};
    args << m_lastIds.keys();
    args << m_lastIds.values();
    m_reading = true;
    emit reading();
    const quint64 round = m_round;
    const auto reply = [this, round](const RedisReply &r) {
        if (round != m_round)
            return;
        m_reading = false;
        onReply(r);
    };
    if (m_raw) {
        m_connection->sendRaw(
            args, this,
            [this, round](const redisReply *r) {
                if (round != m_round)
                    return;
                m_reading = false;
                onRawReply(r);
            },
            reply, innerTimeoutMs());
        return;
    }
    m_connection->send(args, this, reply, innerTimeoutMs());
}

namespace {
bool isString(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}
} // namespace

void RedisStreamReader::retryLater(void (RedisStreamReader::*step)())
{
    const quint64 round = m_round;
    QTimer::singleShot(1000, this, [this, round, step] {
        if (round == m_round)
            (this->*step)();
    });
}

void RedisStreamReader::noteRead(qsizetype entries)
{
    if (m_readCount >= m_count)
        return;
    if (entries < m_readCount) {
        // Caught up: the next read is as big as the stream's new entries, not a backlog.
        m_readCount = m_count;
        m_fullReads = 0;
    } else if (++m_fullReads >= kGrowAfter) {
        m_readCount = qMin(m_count, 2 * m_readCount);
        m_fullReads = 0;
    }
}

// An XREAD reply over a budget: fewer entries at once, and at one entry, past it. The
// reply broke inside [[key, [[id, [field, value, ...]], ...]], ...]; its context names
// that stream and entry, its path says where (the entries before it fitted).
void RedisStreamReader::onOversized(const RedisReply &reply)
{
    ++m_oversized;
    m_fullReads = 0;
    const QList<int> path = reply.oversizedPath();
    const QList<QByteArray> where = reply.oversizedContext();
    // In the first stream of the reply (a stream after it: the earlier ones took room).
    const bool firstStream = path.size() >= 3 && path.at(0) == 0 && path.at(1) == 1;
    const int entry = firstStream ? path.at(2) : -1;
    if (entry != 0 && m_readCount > 1) {
        // The entries before the one it broke in fitted: read that many, else a quarter.
        m_readCount
            = entry > 0 ? qMin(entry, m_readCount - 1) : qMax(1, m_readCount / kCountDivisor);
        readNext();
        return;
    }
    // Its first entry alone (or the only one) is over the cap: shown as that, and passed.
    const QByteArray key = where.value(1);
    const QByteArray id = where.value(3);
    const auto it = m_lastIds.find(key);
    if (path.size() < 4 || it == m_lastIds.end() || !isStreamId(id)
        || compareStreamIds(id, it.value()) <= 0) {
        // Cannot tell which entry (or it would not move us on): report and slow down, as
        // for a server error.
        emit readError(reply.errorMessage());
        return retryLater(&RedisStreamReader::readNext);
    }
    it.value() = id;
    QPointer<RedisStreamReader> self(this);
    emit oversizedEntry(key, id, reply.errorMessage());
    if (self)
        readNext();
}

// The raw twin of onReply: a nil reply is a BLOCK that timed out; anything that is not
// [[key, [entry, ...]], ...] is skipped like onReply skips it. The next XREAD goes out
// (written at once) before the handler sees this batch: the server prepares the next
// batch while this one is parsed, instead of the two taking turns (the tail's worker
// spends ~2 ms on 1 000 entries; Bench 2's reads were otherwise strictly serial).
void RedisStreamReader::onRawReply(const redisReply *reply)
{
    struct Part
    {
        QByteArray key;
        const redisReply *list;
    };
    QVarLengthArray<Part, 4> parts;
    qsizetype most = 0; // entries of the fullest stream, for COUNT
    if (reply->type == REDIS_REPLY_ARRAY) {
        for (size_t s = 0; s < reply->elements; ++s) {
            const redisReply *stream = reply->element[s];
            if (!stream || stream->type != REDIS_REPLY_ARRAY || stream->elements != 2
                || !isString(stream->element[0]) || !stream->element[1]
                || stream->element[1]->type != REDIS_REPLY_ARRAY)
                continue;
            const redisReply *list = stream->element[1];
            const redisReply *lastId = nullptr;
            for (size_t i = list->elements; i > 0 && !lastId; --i) {
                const redisReply *e = list->element[i - 1];
                if (e && e->type == REDIS_REPLY_ARRAY && e->elements == 2
                    && isString(e->element[0]))
                    lastId = e->element[0];
            }
            most = qMax(most, qsizetype(list->elements));
            if (!lastId)
                continue;
            const QByteArray key(stream->element[0]->str, qsizetype(stream->element[0]->len));
            m_lastIds[key] = QByteArray(lastId->str, qsizetype(lastId->len));
            parts.append({key, list});
        }
    }
    noteRead(most);
    readNext();
    if (parts.isEmpty())
        return;
    m_connection->flushNow();
    // The tree stays valid while the handlers run: it belongs to this reply, which the
    // connection releases only when this call returns.
    QPointer<RedisStreamReader> self(this);
    for (const Part &part : parts) {
        m_raw(part.key, part.list);
        if (!self)
            return;
    }
}

void RedisStreamReader::onReply(const RedisReply &reply)
{
    if (reply.isOversized())
        return onOversized(reply);
    if (reply.isLocalError())
        return; // reconnecting; onReady resumes from the last IDs
    if (reply.isError()) {
        // A server-side error (WRONGTYPE, ...) would repeat at once: slow down.
        emit readError(reply.errorMessage());
        const quint64 round = m_round;
        QTimer::singleShot(1000, this, [this, round] {
            if (round == m_round)
                readNext();
        });
        return;
    }
    qsizetype most = 0;
    if (reply.isArray()) {
        for (const RedisReply &stream : reply.elements())
            most = qMax(most, stream.size() == 2 ? stream.at(1).size() : 0);
        for (const RedisReply &stream : reply.elements()) {
            if (stream.size() != 2)
                continue;
            const QByteArray key = stream.at(0).data();
            QList<RedisStreamEntry> batch;
            batch.reserve(stream.at(1).size());
            for (const RedisReply &e : stream.at(1).elements()) {
                if (e.size() != 2)
                    continue;
                RedisStreamEntry entry;
                entry.id = e.at(0).data();
                const RedisReply &fv = e.at(1);
                entry.fields.reserve(fv.size() / 2);
                for (qsizetype i = 0; i + 1 < fv.size(); i += 2)
                    entry.fields.append({fv.at(i).data(), fv.at(i + 1).data()});
                batch.append(std::move(entry));
            }
            if (batch.isEmpty())
                continue;
            m_lastIds[key] = batch.constLast().id;
            QPointer<RedisStreamReader> self(this);
            emit entries(key, batch);
            if (!self)
                return;
        }
    }
    noteRead(most);
    readNext();
}

} // namespace switchboard
