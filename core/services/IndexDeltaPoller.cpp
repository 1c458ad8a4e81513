#include "core/services/IndexDeltaPoller.h"

#include "core/redis/RedisClient.h"
#include "core/redis/RedisReply.h"

#include <QDateTime>
#include <QHashFunctions>

#include <cmath>
#include <utility>

namespace switchboard {

struct IndexDeltaPoller::Pass
{
    IndexDelta delta;
    QByteArray bound; // ZRANGE min of the next page (inclusive)
    int offset = 0; // members at `bound` already returned in this pass
    qint64 lastScore = 0;
    bool haveLast = false;
    int pages = 0;
    bool truncated = false; // page budget spent before the end of the index
    qint64 maxSeen = 0; // highest score in the index as read by this pass
    bool haveMaxSeen = false;
    QHash<QByteArray, qint64> moved; // member -> its new score
    QVector<QByteArray> movedOrder; // deterministic order for the delta
    QVector<QByteArray> reads; // HGETALL, in command order
    QVector<QByteArray> checks; // PTTL, after the reads
    QVector<QByteArray> removed; // found by a ZSCAN pass that ended in this poll
    QList<RedisReply> replies;
    int chunksPending = 0;
    // Where the sliced steps are (Options::sliceBudgetMs).
    qsizetype sorted = 0; // movedOrder entries sorted into reads / touched
    int dueReads = 0; // reads taken only because the fields were due (maxFieldReadsPerPoll)
    QList<QList<QByteArray>> commands; // HGETALL (reads) then PTTL (checks)
    int chunksSent = 0;
    bool settling = false; // finishPoll's first slice ran
    qsizetype settledReads = 0;
    qsizetype settledTouched = 0;
};

namespace {

bool parseScore(const QByteArray &text, qint64 *score)
{
    bool ok = false;
    const double d = text.toDouble(&ok);
    if (!ok || !std::isfinite(d) || std::fabs(d) > 9.0e15)
        return false;
    *score = qint64(std::llround(d));
    return true;
}

// Pairs of (member, score) from a WITHSCORES reply: flat in RESP2, nested in RESP3.
template<typename F> void forEachScored(const RedisReply &array, F &&f)
{
    const auto &els = array.elements();
    if (!els.isEmpty() && els.first().isArray()) {
        for (const RedisReply &pair : els) {
            if (pair.size() == 2)
                f(pair.at(0).data(), pair.at(1).data());
        }
        return;
    }
    for (qsizetype i = 0; i + 1 < els.size(); i += 2)
        f(els.at(i).data(), els.at(i + 1).data());
}

QByteArray scoreText(qint64 score)
{
    return QByteArray::number(score);
}

} // namespace

IndexDeltaPoller::IndexDeltaPoller(RedisClient *client, Options options, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_options(std::move(options))
{
    m_options.batch = qMax(1, m_options.batch);
    m_options.maxPagesPerPoll = qMax(1, m_options.maxPagesPerPoll);
    m_clock.start();
    m_timer.setInterval(qMax(10, m_options.intervalMs));
    // Every (re)connect may be to a different server (restart, failover) with other
    // data: the next poll reads the whole index again and re-scans for removals.
    connect(m_client, &RedisClient::stateChanged, this, [this](RedisConnection::State s) {
        if (s == RedisConnection::State::Reconnecting || s == RedisConnection::State::Failed
            || s == RedisConnection::State::Disconnected)
            m_lostConnection = true;
    });
    connect(m_client, &RedisClient::ready, this, [this] {
        if (m_lostConnection)
            m_full = true;
        m_lostConnection = false;
    });
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (!m_pass)
            beginPoll();
    });
}

IndexDeltaPoller::~IndexDeltaPoller()
{
    stop();
}

void IndexDeltaPoller::start()
{
    m_timer.start();
    pollNow();
}

void IndexDeltaPoller::stop()
{
    m_timer.stop();
    endPass();
    m_pollAgain = false;
}

void IndexDeltaPoller::pollNow()
{
    if (m_pass)
        m_pollAgain = true;
    else
        beginPoll();
}

void IndexDeltaPoller::markDirty(const QByteArray &member)
{
    auto it = m_members.find(member);
    if (it != m_members.end())
        it->dirty = true;
}

void IndexDeltaPoller::setPriorityMembers(const QSet<QByteArray> &members)
{
    m_priority = members;
}

void IndexDeltaPoller::beginPoll()
{
    ++m_generation;
    m_pass = new Pass;
    m_passContext = new QObject(this);
    m_pass->delta.polledAtMs = QDateTime::currentMSecsSinceEpoch();
    m_pass->delta.full = m_full;
    if (m_full || !m_haveMaxScore) {
        m_pass->bound = QByteArrayLiteral("-inf");
    } else {
        m_pass->bound = scoreText(m_maxScore - qMax(0, m_options.lookbackMs));
    }
    if (m_full) {
        m_scanning = false; // restart the ZSCAN pass: a failure may have cut the last one
        m_resyncDueMs = 0;
    }
    m_full = false; // a reconnect or failure during this pass asks for the next to be full
    requestPage();
}

void IndexDeltaPoller::requestPage()
{
    ++m_pass->pages;
    ++m_pass->delta.commands;
    ++m_commandsSent;
    m_client->command(
        {"ZRANGE", m_options.indexKey, m_pass->bound, "+inf", "BYSCORE", "LIMIT",
         QByteArray::number(m_pass->offset), QByteArray::number(m_options.batch), "WITHSCORES"},
        m_passContext,
        [this, g = m_generation](const RedisReply &r) {
            if (g == m_generation)
                onPage(r);
        },
        m_options.timeoutMs);
}

void IndexDeltaPoller::onPage(const RedisReply &reply)
{
    if (!reply.isArray())
        return fail(QStringLiteral("ZRANGE %1: %2")
                        .arg(QString::fromUtf8(m_options.indexKey), reply.toDebugText()));
    int returned = 0;
    forEachScored(reply, [this, &returned](const QByteArray &member, const QByteArray &text) {
        ++returned;
        qint64 score = 0;
        if (member.isEmpty() || !parseScore(text, &score))
            return; // a score Redis itself wrote cannot be bad; skip rather than trust
        // Count the members at the page's last score: the next page starts there
        // (inclusive) past them, so many equal scores at a boundary lose none.
        if (m_pass->haveLast && score == m_pass->lastScore) {
            ++m_pass->offset;
        } else {
            m_pass->lastScore = score;
            m_pass->haveLast = true;
            m_pass->offset = 1;
        }
        if (!m_pass->haveMaxSeen || score > m_pass->maxSeen) {
            m_pass->maxSeen = score;
            m_pass->haveMaxSeen = true;
        }
        noteScore(member, score);
    });
    if (returned >= m_options.batch && m_pass->pages < m_options.maxPagesPerPoll) {
        m_pass->bound = scoreText(m_pass->lastScore);
        return requestPage();
    }
    if (returned >= m_options.batch) {
        m_pass->truncated = true;
        m_pollAgain = true; // page budget spent: go on right after this poll
    }
    requestScan();
}

void IndexDeltaPoller::noteScore(const QByteArray &member, qint64 score)
{
    const auto it = m_members.constFind(member);
    if (it != m_members.constEnd() && it->score == score && !it->dirty)
        return; // seen: de-duplicated by member + score
    if (!m_pass->moved.contains(member))
        m_pass->movedOrder.append(member);
    m_pass->moved.insert(member, score);
}

void IndexDeltaPoller::requestScan()
{
    if (!m_scanning) {
        if (now() < m_resyncDueMs)
            return requestReads();
        m_scanning = true;
        m_scanCursor = QByteArrayLiteral("0");
        ++m_scanPass;
        m_resyncDueMs = now() + m_options.resyncEveryMs;
    }
    ++m_pass->delta.commands;
    ++m_commandsSent;
    m_client->command(
        {"ZSCAN", m_options.indexKey, m_scanCursor, "COUNT", QByteArray::number(m_options.batch)},
        m_passContext,
        [this, g = m_generation](const RedisReply &r) {
            if (g == m_generation)
                onScan(r);
        },
        m_options.timeoutMs);
}

void IndexDeltaPoller::onScan(const RedisReply &reply)
{
    if (!reply.isArray() || reply.size() != 2 || !reply.at(1).isArray())
        return fail(QStringLiteral("ZSCAN %1: %2")
                        .arg(QString::fromUtf8(m_options.indexKey), reply.toDebugText()));
    forEachScored(reply.at(1), [this](const QByteArray &member, const QByteArray &text) {
        qint64 score = 0;
        if (member.isEmpty() || !parseScore(text, &score))
            return;
        auto it = m_members.find(member);
        if (it != m_members.end())
            it->seenInPass = m_scanPass;
        // Also finds what the ZRANGE cannot: members written below the cursor (a writer
        // whose clock is behind).
        noteScore(member, score);
    });
    m_scanCursor = reply.at(0).data();
    if (m_scanCursor == "0") {
        m_scanning = false;
        for (auto it = m_members.cbegin(); it != m_members.cend(); ++it) {
            if (it->knownSincePass < m_scanPass && it->seenInPass != m_scanPass
                && !m_pass->moved.contains(it.key()))
                m_pass->removed.append(it.key());
        }
    }
    requestReads();
}

bool IndexDeltaPoller::wantsFields(const QByteArray &member, const Member &m, qint64 t) const
{
    return m_options.fieldsRefreshMs <= 0 || m.dirty || m.vanished || t >= m.fieldsDueMs
        || m_priority.contains(member);
}

void IndexDeltaPoller::continueLater(void (IndexDeltaPoller::*step)())
{
    ++m_continued;
    QTimer::singleShot(0, m_passContext, [this, step, g = m_generation] {
        if (g == m_generation)
            (this->*step)();
    });
}

bool IndexDeltaPoller::sliceSpent(const QElapsedTimer &slice, qsizetype done) const
{
    // The clock is read every 64 members: cheap, and a slice overshoots by the work of
    // 64 members at most.
    return m_options.sliceBudgetMs > 0 && done % 64 == 0
        && slice.elapsed() >= m_options.sliceBudgetMs;
}

void IndexDeltaPoller::requestReads()
{
    const qint64 t = now();
    if (!sortMoved(t))
        return continueLater(&IndexDeltaPoller::requestReads);
    collectChecks(t);
    if (m_pass->commands.isEmpty())
        return finishPoll();
    m_pass->replies.resize(m_pass->commands.size());
    const int batch = m_options.batch;
    m_pass->chunksPending = int((m_pass->commands.size() + batch - 1) / batch);
    sendReadChunk();
}

bool IndexDeltaPoller::sortMoved(qint64 t)
{
    Pass &p = *m_pass;
    QElapsedTimer slice;
    slice.start();
    for (qsizetype done = 0; p.sorted < p.movedOrder.size(); ++done) {
        if (done > 0 && sliceSpent(slice, done))
            return false;
        const QByteArray &member = p.movedOrder.at(p.sorted++);
        const auto it = m_members.constFind(member);
        bool read = it == m_members.constEnd() || wantsFields(member, *it, t);
        if (read && it != m_members.constEnd() && m_options.maxFieldReadsPerPoll > 0 && !it->dirty
            && !it->vanished && !m_priority.contains(member)) {
            // Due by age only: capped per poll; the rest stay due and go next poll.
            read = p.dueReads < m_options.maxFieldReadsPerPoll;
            p.dueReads += read ? 1 : 0;
        }
        if (read) {
            p.reads.append(member);
            p.commands.append({"HGETALL", m_options.hashKey(member)});
        } else {
            p.delta.touched.append({member, p.moved.value(member), {}});
        }
    }
    return true;
}

void IndexDeltaPoller::collectChecks(qint64 t)
{
    Pass &p = *m_pass;
    for (auto it = m_members.cbegin(); it != m_members.cend(); ++it) {
        if (p.checks.size() >= m_options.batch)
            break; // bounded; the rest are checked next poll
        // The cheap tests first: most members are not due.
        if (!it->vanished && it->checkAtMs <= t && !p.moved.contains(it.key())) {
            p.checks.append(it.key());
            p.commands.append({"PTTL", m_options.hashKey(it.key())});
        }
    }
}

void IndexDeltaPoller::sendReadChunk()
{
    // Sliced: one pipeline of `batch` commands per event-loop pass. Building and writing
    // 1000 commands is a few ms; the first poll's 10 000 at once were ~45 ms.
    Pass &p = *m_pass;
    const int batch = m_options.batch;
    do {
        const int c = p.chunksSent++;
        const QList<QList<QByteArray>> chunk = p.commands.mid(qsizetype(c) * batch, batch);
        p.delta.commands += int(chunk.size());
        m_commandsSent += quint64(chunk.size());
        m_client->pipeline(
            chunk, m_passContext,
            [this, c, g = m_generation](const QList<RedisReply> &replies) {
                if (g == m_generation)
                    onReads(replies, c);
            },
            m_options.timeoutMs);
    } while (m_options.sliceBudgetMs <= 0 && qsizetype(p.chunksSent) * batch < p.commands.size());
    if (qsizetype(p.chunksSent) * batch < p.commands.size())
        continueLater(&IndexDeltaPoller::sendReadChunk);
}

void IndexDeltaPoller::onReads(const QList<RedisReply> &replies, int chunk)
{
    for (const RedisReply &r : replies) {
        if (r.isLocalError())
            return fail(QStringLiteral("reading %1: %2")
                            .arg(QString::fromUtf8(m_options.indexKey), r.errorMessage()));
    }
    const qsizetype base = qsizetype(chunk) * m_options.batch;
    for (qsizetype i = 0; i < replies.size() && base + i < m_pass->replies.size(); ++i)
        m_pass->replies[base + i] = replies.at(i);
    if (--m_pass->chunksPending == 0)
        finishPoll();
}

bool IndexDeltaPoller::settleMoved(qint64 t)
{
    Pass &p = *m_pass;
    const auto settle = [this, t](const QByteArray &member, qint64 score) -> Member & {
        auto it = m_members.find(member);
        if (it == m_members.end()) {
            it = m_members.insert(member, Member {});
            it->knownSincePass = m_scanPass;
            it->seenInPass = m_scanning ? m_scanPass : 0;
        }
        it->score = score;
        it->movedAtMs = t;
        it->checkAtMs = t + m_options.staleAfterMs;
        return *it;
    };
    QElapsedTimer slice;
    slice.start();
    qsizetype done = 0;
    for (; p.settledReads < p.reads.size(); ++done) {
        if (done > 0 && sliceSpent(slice, done))
            return false;
        const qsizetype i = p.settledReads++;
        const QByteArray &member = p.reads.at(i);
        const qint64 score = p.moved.value(member);
        const RedisReply r = std::exchange(p.replies[i], RedisReply()); // freed as it goes
        const bool wasVanished = m_members.value(member).vanished;
        Member &m = settle(member, score);
        if (r.isArray() && r.size() == 0) {
            // Hash gone while the member is in the zset. Old score: the writer went
            // silent (report it). Fresh score: the writer is between its DEL and HSET,
            // or the key was just written; look again next poll.
            if (score < m_maxScore - m_options.staleAfterMs) {
                m.vanished = true;
                m.dirty = false;
                if (!wasVanished)
                    p.delta.vanished.append({member, score, {}});
            } else {
                m.dirty = true;
                m.checkAtMs = t;
            }
            continue;
        }
        IndexRecord rec {member, score, {}};
        if (r.isArray()) {
            rec.fields.reserve(r.size());
            for (const RedisReply &e : r.elements())
                rec.fields.append(e.data());
        } // else a server error (WRONGTYPE...): an upsert without fields, a bad row
        m.vanished = false;
        m.dirty = false;
        const double jitter = 0.75 + 0.5 * double(qHash(member) & 1023U) / 1024.0;
        m.fieldsDueMs = t + qint64(double(m_options.fieldsRefreshMs) * jitter);
        p.delta.upserts.append(std::move(rec));
    }
    for (; p.settledTouched < p.delta.touched.size(); ++done) {
        if (done > 0 && sliceSpent(slice, done))
            return false;
        const IndexRecord &rec = p.delta.touched.at(p.settledTouched++);
        settle(rec.member, rec.score);
    }
    return true;
}

void IndexDeltaPoller::finishPoll()
{
    const qint64 t = now();
    Pass &p = *m_pass;
    if (!p.settling) {
        p.settling = true;
        if (p.delta.full && !p.truncated) {
            // The whole index was read: its top score is the cursor, even when lower than
            // before (a restarted or failed-over server with older data).
            m_maxScore = p.maxSeen;
            m_haveMaxScore = p.haveMaxSeen;
        }
        for (auto it = p.moved.cbegin(); it != p.moved.cend(); ++it) {
            if (!m_haveMaxScore || it.value() > m_maxScore) {
                m_maxScore = it.value();
                m_haveMaxScore = true;
            }
        }
    }
    if (!settleMoved(t))
        return continueLater(&IndexDeltaPoller::finishPoll);
    for (qsizetype i = 0; i < p.checks.size(); ++i) {
        const RedisReply &r = p.replies.at(p.reads.size() + i);
        auto it = m_members.find(p.checks.at(i));
        if (it == m_members.end())
            continue;
        const qint64 ttl = r.isInteger() ? r.integer() : qint64(m_options.staleAfterMs);
        if (r.isInteger() && ttl == -2) {
            it->vanished = true;
            p.delta.vanished.append({it.key(), it->score, {}});
        } else if (ttl < 0) {
            it->checkAtMs = t + m_options.resyncEveryMs; // no TTL: nothing will expire it
        } else {
            it->checkAtMs = t + ttl + 50;
        }
    }
    for (const QByteArray &member : std::as_const(p.removed)) {
        m_members.remove(member);
        p.delta.removed.append(member);
    }
    const IndexDelta out = std::move(p.delta);
    endPass();
    Q_EMIT delta(out);
    if (m_pollAgain && !m_pass) {
        m_pollAgain = false;
        beginPoll();
    }
}

void IndexDeltaPoller::endPass()
{
    // Called from inside the pass's own callbacks: the context goes later, and the
    // generation makes any reply still queued for it a no-op.
    ++m_generation;
    if (m_passContext)
        m_passContext->deleteLater();
    m_passContext = nullptr;
    delete m_pass;
    m_pass = nullptr;
}

void IndexDeltaPoller::fail(const QString &message)
{
    // Cancel the rest of this poll; the next one starts over from -inf (de-duplicated
    // against what is known) and with a new ZSCAN pass: Redis may have restarted empty.
    endPass();
    m_full = true;
    m_pollAgain = false;
    Q_EMIT failed(message);
}

} // namespace switchboard
