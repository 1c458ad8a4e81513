#include "core/services/IndexDeltaPoller.h"

#include "core/redis/RedisClient.h"
#include "core/redis/RedisReply.h"

#include <QDateTime>
#include <QHashFunctions>
#include <QThreadPool>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <utility>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

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
    int ranged = 0; // members the ZRANGE pages returned: the window above the cursor
    qsizetype readsBuilt = 0; // movedOrder entries sorted into reads / touched so far
    bool readsSized = false; // reads / readIndex reserved (a pass of its own when big)
    int bulkNext = 0; // offset of the next SORT_RO
    int bulkEnd = 0; // SORT_RO reads ranks [0, bulkEnd): `ranged`, more if the window slid
    int uncovered = 0; // reads SORT_RO has not given yet
    // ... of them, those the ZRANGE pages found: only these can be in SORT_RO's window
    // (a member the ZSCAN pass found below the cursor is not, however far it reads on).
    int uncoveredRanged = 0;
    QSet<QByteArray> scanFound; // moved members only the ZSCAN step found
    qsizetype settled = 0; // reads settled so far (settleReads works in slices)
    qsizetype settledTouched = 0; // touched members settled so far
    QVector<QByteArray> ageDue; // due only because their fields are old (maxFieldReadsPerPoll)
    bool useBulk = false; // decided once per pass: a reconnect mid-pass must not flip it
    bool bulkOversized = false; // a SORT_RO reply was over the reply cap: HGETALL for its batch
    int chunksSent = 0; // HGETALL/PTTL pipelines sent (one per event-loop pass when sliced)
    qsizetype nextReply = 0; // HGETALL replies come in `fallback` order
    qint64 settleAtMs = 0;
    qint64 clockAtStartMs = 0; // Options::nowMs when the pass began: the cursor's ceiling
    QVector<QByteArray> reads; // members whose fields this poll reads
    QHash<QByteArray, int> readIndex; // member -> index in reads (aligns SORT_RO replies)
    QVector<QList<QByteArray>> bulk; // per read: name, value ... from SORT_RO
    QVector<bool> covered; // per read: SORT_RO gave its fields
    QVector<int> fallback; // indexes into reads read with HGETALL, in command order
    QVector<QByteArray> checks; // PTTL, after the HGETALLs
    QVector<QByteArray> removed; // found by a ZSCAN pass that ended in this poll
    QList<RedisReply> replies;
    QList<QList<QByteArray>> commands; // HGETALL (fallback reads) then PTTL (checks)
    int chunksPending = 0;
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

// Freeing a first poll's containers (100 000 member names in a hash, lists of them, the
// replies) is ~10-20 ms of free() on the GUI thread in one go. Big ones are destroyed on a
// pool thread instead: they are implicitly shared Qt values with atomic reference counts,
// and nothing else refers to these objects any more.
// A steady poll of 5 000 frees inline (~1 ms); from this size a pass frees on a worker and
// sizes its vectors in event-loop passes of their own.
constexpr qsizetype kDisposeOnWorkerFrom = 8192;
// requestBulk() sizes its per-read vector this many entries at a time (~200 KB touched).
constexpr qsizetype kBulkSizeStep = 8192;
// The freeing thread runs at the lowest CPU priority of its class (nice 19), one thread.
// At normal priority on the GUI thread's CPU, the two took turns on the allocator's lock:
// the GUI thread slept on it (futex) for as long as the whole free took, 8.8 ms once in
// bench_sessions (perf sched). At nice 19 the GUI thread preempts it when it wakes. Not
// SCHED_IDLE: on a machine kept busy by other programs that would never free at all.
class DisposalPool : public QThreadPool
{
public:
    DisposalPool() { setMaxThreadCount(1); }
};
Q_GLOBAL_STATIC(DisposalPool, disposalPool)

void lowerPriority()
{
#ifdef Q_OS_LINUX
    thread_local bool lowered = false;
    if (lowered)
        return;
    lowered = true;
    setpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)), 19); // this thread; best effort
#endif
}

template<typename T> void dispose(T *doomed, qsizetype size)
{
    if (size < kDisposeOnWorkerFrom) {
        delete doomed;
        return;
    }
    QThreadPool *pool = disposalPool(); // null during static teardown
    if (!pool) {
        delete doomed;
        return;
    }
    pool->start([doomed] {
        lowerPriority();
        delete doomed;
    });
}

// An HGETALL reply over the reply cap: [name, value, ...], so the element that broke it is
// a value when its index is odd, and its name came just before it.
QString oversizedHashText(const RedisReply &r)
{
    const QList<int> path = r.oversizedPath();
    const QByteArray name = r.oversizedPrevious();
    if (path.size() == 1 && path.first() % 2 == 1 && !name.isEmpty()) {
        QString shown = QString::fromUtf8(name.left(40));
        for (QChar &c : shown) {
            if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
                c = QChar(0xFFFD);
        }
        return QStringLiteral("field %1: %2").arg(shown, r.errorMessage());
    }
    return QStringLiteral("the hash: %1").arg(r.errorMessage());
}

} // namespace

IndexDeltaPoller::IndexDeltaPoller(RedisClient *client, Options options, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_options(std::move(options))
{
    m_options.batch = qMax(1, m_options.batch);
    m_options.maxPagesPerPoll = qMax(1, m_options.maxPagesPerPoll);
    m_originMs = m_clock->monotonicMs();
    // The continuation of a pass (its next slice): one at a time, dropped with the pass.
    m_slicer = new TimeSlicer(
        m_options.sliceBudgetMs,
        [this](const TimeSlicer::Slice &) {
            const auto step = std::exchange(m_nextStep, nullptr);
            if (step && m_nextStepGeneration == m_generation)
                (this->*step)();
            return false;
        },
        this, m_clock);
    m_options.bulkBatch = qMax(1, m_options.bulkBatch);
    m_timer.setInterval(qMax(10, m_options.intervalMs));
    if (!m_options.bulkFields.isEmpty() && m_options.hashKey) {
        // SORT substitutes the member for the first '*' and reads the field after "->":
        // a key pattern with another '*' or a "->" of its own cannot be one.
        const QByteArray pattern = m_options.hashKey(QByteArrayLiteral("*"));
        if (pattern.count('*') == 1 && !pattern.contains("->"))
            m_bulkPattern = pattern;
    }
    // Every (re)connect may be to a different server (restart, failover) with other
    // data: the next poll reads the whole index again and re-scans for removals.
    connect(m_client, &RedisClient::stateChanged, this, [this](RedisConnection::State s) {
        if (s == RedisConnection::State::Reconnecting || s == RedisConnection::State::Failed
            || s == RedisConnection::State::Disconnected)
            m_lostConnection = true;
    });
    connect(m_client, &RedisClient::ready, this, [this] {
        if (m_lostConnection) {
            m_full = true;
            m_bulkRefusal.clear(); // maybe another server, or the ACL changed: try again
        }
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
    if (m_pass)
        m_full = true; // what the aborted pass found (removals, a ZSCAN's finds) is lost
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
    m_pass->delta.polledAtMs = m_clock->wallMs();
    m_pass->clockAtStartMs = m_options.nowMs ? m_options.nowMs() : m_pass->delta.polledAtMs;
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
    if (m_pass->delta.full) {
        // A full read notes every member: sized up front, as a 100 000-entry hash grown
        // page by page rehashes all of it inside one page's callback (~10-20 ms). Spans
        // fill lazily, so a big reservation of a small index costs ~150 KB at most.
        m_pass->moved.reserve(
            qMax(qsizetype(m_members.size()) + m_options.batch,
                 qMin(qsizetype(m_options.batch) * m_options.maxPagesPerPoll, qsizetype(1) << 17)));
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
        ++m_pass->ranged;
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
        const bool fromPages = m_pass->moved.contains(member);
        noteScore(member, score);
        if (!fromPages && m_pass->moved.contains(member))
            m_pass->scanFound.insert(member);
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

void IndexDeltaPoller::requestReads()
{
    // Which members to read, in slices like settleReads(): a first poll has 100 000.
    const TimeSlicer::Slice budget = m_slicer->slice();
    Pass &p = *m_pass;
    const qint64 t = now();
    if (!p.readsSized) {
        p.readsSized = true;
        p.useBulk = !m_bulkPattern.isEmpty() && m_bulkRefusal.isEmpty();
        // Sized once: growing a hash of 100 000 rehashes it all in one go (~10 ms).
        p.reads.reserve(p.movedOrder.size());
        if (p.useBulk)
            p.readIndex.reserve(p.movedOrder.size());
        // Reserving for a first poll touches megabytes (page faults): a pass of its own.
        if (m_options.sliceBudgetMs > 0 && p.movedOrder.size() >= kDisposeOnWorkerFrom)
            return continueLater(&IndexDeltaPoller::requestReads);
    }
    const bool bulk = p.useBulk;
    while (p.readsBuilt < p.movedOrder.size()) {
        if (sliceSpent(budget, p.readsBuilt))
            return continueLater(&IndexDeltaPoller::requestReads);
        const QByteArray &member = p.movedOrder.at(p.readsBuilt++);
        const auto it = m_members.constFind(member);
        const bool read = it == m_members.constEnd() || wantsFields(member, *it, t);
        if (read && it != m_members.constEnd() && m_options.maxFieldReadsPerPoll > 0
            && m_options.fieldsRefreshMs > 0 && !it->dirty && !it->vanished
            && !m_priority.contains(member)) {
            p.ageDue.append(member); // due by age only: capped below, oldest first
        } else if (read) {
            if (bulk)
                p.readIndex.insert(member, int(p.reads.size()));
            p.reads.append(member);
        } else {
            p.delta.touched.append({member, p.moved.value(member), {}});
        }
    }
    takeOldestDue(bulk);
    // The members due for a PTTL, most overdue first, from the due order (not a walk over
    // every known member); bounded, the rest are checked next poll. A member that moved
    // in this poll is settled (and rescheduled) with it instead.
    for (auto it = m_due.cbegin(); it != m_due.cend() && it->first <= t; ++it) {
        if (m_pass->checks.size() >= m_options.batch)
            break;
        if (!m_pass->moved.contains(it->second))
            m_pass->checks.append(it->second);
    }
    if (bulkUsable()) {
        // Its per-read vectors for a first poll are megabytes too: not in this slice.
        if (m_options.sliceBudgetMs > 0 && p.reads.size() >= kDisposeOnWorkerFrom)
            return continueLater(&IndexDeltaPoller::requestBulk);
        return requestBulk();
    }
    m_pass->fallback.reserve(m_pass->reads.size());
    for (int i = 0; i < m_pass->reads.size(); ++i)
        m_pass->fallback.append(i);
    sendReads();
}

void IndexDeltaPoller::takeOldestDue(bool bulk)
{
    // At most maxFieldReadsPerPoll age-due re-reads per poll, the longest overdue first:
    // taking them in ZRANGE order would read the same low-score members every time and
    // leave the rest due for ever (their CPU / memory never refreshed).
    Pass &p = *m_pass;
    const qsizetype cap = m_options.maxFieldReadsPerPoll;
    if (p.ageDue.size() > cap) {
        const auto dueAt = [this](const QByteArray &member) {
            return m_members.value(member).fieldsDueMs;
        };
        std::nth_element(
            p.ageDue.begin(), p.ageDue.begin() + cap, p.ageDue.end(),
            [&dueAt](const QByteArray &a, const QByteArray &b) { return dueAt(a) < dueAt(b); });
    }
    for (qsizetype i = 0; i < p.ageDue.size(); ++i) {
        const QByteArray &member = p.ageDue.at(i);
        if (i < cap) {
            if (bulk)
                p.readIndex.insert(member, int(p.reads.size()));
            p.reads.append(member);
        } else {
            p.delta.touched.append({member, p.moved.value(member), {}});
        }
    }
    p.ageDue.clear();
}

bool IndexDeltaPoller::bulkUsable() const
{
    const Pass &p = *m_pass;
    // Only when the window SORT_RO reads is the one the ZRANGE pages read in full, and
    // mostly members to re-read (a long lookback with few re-reads reads HGETALL).
    return p.useBulk && !m_bulkPattern.isEmpty() && m_bulkRefusal.isEmpty() && !p.truncated
        && p.ranged > 0 && !p.reads.isEmpty() && qsizetype(p.ranged) <= 2 * p.reads.size();
}

void IndexDeltaPoller::requestBulk()
{
    Pass &p = *m_pass;
    // One field list per read, sized in slices: for a first poll of 100 000 members the
    // vector is 2.4 MB, and touching it (page faults, construction) in one go was an
    // 8-10 ms pass of its own (bench_sessions' initial load).
    const TimeSlicer::Slice budget = m_slicer->slice();
    if (p.bulk.size() < p.reads.size()) {
        p.bulk.reserve(p.reads.size()); // address space only: nothing touched yet
        while (p.bulk.size() < p.reads.size()) {
            p.bulk.resize(qMin(p.reads.size(), p.bulk.size() + kBulkSizeStep));
            if (p.bulk.size() < p.reads.size() && budget.spent())
                return continueLater(&IndexDeltaPoller::requestBulk);
        }
    }
    p.covered.fill(false, p.reads.size());
    p.uncovered = int(p.reads.size());
    p.uncoveredRanged = p.uncovered;
    for (const QByteArray &member : std::as_const(p.scanFound))
        p.uncoveredRanged -= p.readIndex.contains(member) ? 1 : 0;
    p.bulkEnd = p.ranged;
    // Two in flight at a time: each reply is turned into field lists and dropped before
    // the next arrives, so no event-loop pass parses more than two replies (the socket
    // would otherwise hold dozens at once and one read would parse them all) and a full
    // read never holds every reply.
    for (int k = 0; k < 2 && p.bulkNext < p.bulkEnd; ++k)
        sendBulk();
}

void IndexDeltaPoller::sendBulk()
{
    Pass &p = *m_pass;
    const int offset = p.bulkNext;
    const int count = qMin(m_options.bulkBatch, p.bulkEnd - offset);
    p.bulkNext += count;
    ++p.chunksPending;
    QList<QByteArray> args {"SORT_RO",
                            m_options.indexKey,
                            "BY",
                            "nosort",
                            "DESC",
                            "LIMIT",
                            QByteArray::number(offset),
                            QByteArray::number(count),
                            "GET",
                            "#"};
    for (const QByteArray &field : std::as_const(m_options.bulkFields))
        args << QByteArrayLiteral("GET") << (m_bulkPattern + "->" + field);
    ++p.delta.commands;
    ++m_commandsSent;
    ++m_bulkSent;
    m_client->command(
        args, m_passContext,
        [this, g = m_generation](const RedisReply &r) {
            if (g == m_generation)
                onBulk(r);
        },
        m_options.timeoutMs);
}

void IndexDeltaPoller::onBulk(const RedisReply &reply)
{
    Pass &p = *m_pass;
    // Over the reply cap (one member's field, or the batch as a whole): its members are
    // read with HGETALL below, one reply each, so only the culprit is a bad record.
    if (reply.isOversized())
        p.bulkOversized = true;
    else if (reply.isLocalError())
        return fail(QStringLiteral("SORT_RO %1: %2")
                        .arg(QString::fromUtf8(m_options.indexKey), reply.errorMessage()));
    if (reply.isOversized()) {
        // (Nothing covered: the batch's members are all read with HGETALL below.)
    } else if (reply.isError()) {
        // NOPERM (ACL without +sort_ro, or restricted key patterns), unknown command
        // (Redis < 7), GET denied in cluster mode: HGETALL from now on.
        if (m_bulkRefusal.isEmpty())
            m_bulkRefusal = reply.errorMessage();
        p.bulkEnd = p.bulkNext; // ask no more
    } else if (reply.isArray()) {
        const QByteArrayList &fields = m_options.bulkFields;
        const qsizetype width = 1 + fields.size();
        const auto &els = reply.elements();
        int newlyCovered = 0;
        for (qsizetype i = 0; i + width <= els.size(); i += width) {
            const auto it = p.readIndex.constFind(els.at(i).data());
            if (it == p.readIndex.cend() || p.covered.at(*it))
                continue; // not moved this poll (or a writer moved it in between)
            QList<QByteArray> flat;
            flat.reserve(2 * fields.size());
            for (qsizetype f = 0; f < fields.size(); ++f) {
                const RedisReply &v = els.at(i + 1 + f);
                if (v.isString())
                    flat << fields.at(f) << v.data();
            }
            if (flat.isEmpty())
                continue; // no hash, or not a hash: HGETALL tells which
            p.bulk[*it] = std::move(flat);
            p.covered[*it] = true;
            ++newlyCovered;
            if (!p.scanFound.contains(els.at(i).data()))
                --p.uncoveredRanged;
        }
        p.uncovered -= newlyCovered;
    }
    --p.chunksPending;
    // Every write between the ZRANGE and these SORT_RO moves a member to the top and
    // slides the window down one rank: its last members come below `ranged` (a writer's
    // burst of a whole poll's worth slides it by up to `ranged`). When the window is read
    // and members of this poll are still missing, read on, at most one window more; what
    // is still missing then is read with HGETALL.
    if (p.chunksPending == 0 && p.bulkNext >= p.bulkEnd && p.uncoveredRanged > 0
        && m_bulkRefusal.isEmpty() && !p.bulkOversized && p.bulkEnd < 2 * p.ranged)
        p.bulkEnd = qMin(2 * p.ranged, p.bulkEnd + 2 * m_options.bulkBatch);
    while (p.bulkNext < p.bulkEnd && p.chunksPending < 2)
        sendBulk();
    if (p.chunksPending > 0)
        return;
    for (int i = 0; i < p.reads.size(); ++i) {
        if (!p.covered.at(i))
            p.fallback.append(i);
    }
    m_fallbackReads += quint64(p.fallback.size());
    auto *index = new QHash<QByteArray, int>(std::exchange(p.readIndex, {}));
    dispose(index, index->size());
    sendReads();
}

void IndexDeltaPoller::sendReads()
{
    QList<QList<QByteArray>> commands;
    commands.reserve(m_pass->fallback.size() + m_pass->checks.size());
    for (int i : std::as_const(m_pass->fallback))
        commands.append({"HGETALL", m_options.hashKey(m_pass->reads.at(i))});
    for (const QByteArray &member : std::as_const(m_pass->checks))
        commands.append({"PTTL", m_options.hashKey(member)});
    if (commands.isEmpty())
        return finishPoll();
    m_pass->replies.resize(commands.size());
    const int batch = m_options.batch;
    m_pass->chunksPending = int((commands.size() + batch - 1) / batch);
    m_pass->commands = std::move(commands);
    sendReadChunk();
}

void IndexDeltaPoller::sendReadChunk()
{
    // Sliced: one pipeline of `batch` commands per event-loop pass. Building and writing
    // 1000 commands is a few ms; 10 000 at once were ~45 ms.
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
        if (r.isLocalError()) // (an oversized HGETALL is not: a bad record, see settleReads)
            return fail(QStringLiteral("reading %1: %2")
                            .arg(QString::fromUtf8(m_options.indexKey), r.errorMessage()));
    }
    const qsizetype base = qsizetype(chunk) * m_options.batch;
    for (qsizetype i = 0; i < replies.size() && base + i < m_pass->replies.size(); ++i)
        m_pass->replies[base + i] = replies.at(i);
    if (--m_pass->chunksPending == 0)
        finishPoll();
}

void IndexDeltaPoller::finishPoll()
{
    Pass &p = *m_pass;
    p.settleAtMs = now();
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
    // Scores from the future (a writer's clock ahead) would move the cursor past every
    // honest writer's next update: the next poll reads from the clock at this pass's
    // start at most. Everything written after that has a higher score (or is within the
    // lookback when its writer is behind); a future score stays above the cursor and is
    // de-duplicated by member + score.
    if (m_haveMaxScore && m_maxScore > p.clockAtStartMs)
        m_maxScore = p.clockAtStartMs;
    settleReads();
}

IndexDeltaPoller::Member &IndexDeltaPoller::settleMember(const QByteArray &member, qint64 score,
                                                         qint64 t)
{
    auto it = m_members.find(member);
    if (it == m_members.end()) {
        it = m_members.insert(member, Member {});
        it->knownSincePass = m_scanPass;
        it->seenInPass = m_scanning ? m_scanPass : 0;
    }
    it->score = score;
    it->movedAtMs = t;
    reschedule(it.key(), *it, t + m_options.staleAfterMs);
    return *it;
}

void IndexDeltaPoller::reschedule(const QByteArray &member, Member &m, qint64 checkAtMs)
{
    if (!m.vanished) {
        m_due.erase({m.checkAtMs, member});
        m_due.insert({checkAtMs, member});
    }
    m.checkAtMs = checkAtMs;
}

void IndexDeltaPoller::setVanished(const QByteArray &member, Member &m, bool vanished)
{
    if (vanished == m.vanished)
        return;
    m.vanished = vanished;
    if (vanished)
        m_due.erase({m.checkAtMs, member});
    else
        m_due.insert({m.checkAtMs, member});
}

void IndexDeltaPoller::settleReads()
{
    // A first poll of 100 000 members is settled in slices of ~4 ms of work per
    // event-loop pass (the rest after a zero timer), never all in one callback.
    const TimeSlicer::Slice budget = m_slicer->slice();
    Pass &p = *m_pass;
    const qint64 t = p.settleAtMs;
    if (p.settled == 0) {
        p.delta.upserts.reserve(p.reads.size());
        if (m_members.isEmpty()) // the first poll: sized once, no rehash while growing
            m_members.reserve(p.reads.size());
    }
    while (p.settled < p.reads.size()) {
        if (sliceSpent(budget, p.settled))
            return continueLater(&IndexDeltaPoller::settleReads);
        const qsizetype i = p.settled++;
        const QByteArray &member = p.reads.at(i);
        const qint64 score = p.moved.value(member);
        const bool fromBulk = i < p.covered.size() && p.covered.at(i);
        static const RedisReply kNone;
        const RedisReply &r = fromBulk ? kNone : p.replies.at(p.nextReply++);
        const bool wasVanished = m_members.value(member).vanished;
        Member &m = settleMember(member, score, t);
        if (!fromBulk && r.isArray() && r.size() == 0) {
            // Hash gone while the member is in the zset. Old score: the writer went
            // silent (report it). Fresh score: the writer is between its DEL and HSET,
            // or the key was just written; look again next poll.
            if (score < m_maxScore - m_options.staleAfterMs) {
                setVanished(member, m, true);
                m.dirty = false;
                if (!wasVanished)
                    p.delta.vanished.append({member, score, {}});
            } else {
                m.dirty = true;
                reschedule(member, m, t);
            }
            continue;
        }
        IndexRecord rec {member, score, {}, {}};
        if (fromBulk) {
            rec.fields = std::move(p.bulk[i]);
        } else if (r.isArray()) {
            rec.fields.reserve(r.size());
            for (const RedisReply &e : r.elements())
                rec.fields.append(e.data());
        } else if (r.isOversized()) {
            rec.error = oversizedHashText(r);
        } // else a server error (WRONGTYPE...): an upsert without fields, a bad row
        setVanished(member, m, false);
        m.dirty = false;
        const double jitter = 0.75 + 0.5 * double(qHash(member) & 1023U) / 1024.0;
        m.fieldsDueMs = t + qint64(double(m_options.fieldsRefreshMs) * jitter);
        p.delta.upserts.append(std::move(rec));
    }
    settleRest();
}

bool IndexDeltaPoller::settleTouched()
{
    // A heartbeat index moves every member every poll: 10 000 touched members.
    Pass &p = *m_pass;
    const TimeSlicer::Slice budget = m_slicer->slice();
    while (p.settledTouched < p.delta.touched.size()) {
        if (sliceSpent(budget, p.settledTouched))
            return false;
        const IndexRecord &rec = p.delta.touched.at(p.settledTouched++);
        settleMember(rec.member, rec.score, p.settleAtMs);
    }
    return true;
}

void IndexDeltaPoller::settleRest()
{
    if (!settleTouched())
        return continueLater(&IndexDeltaPoller::settleRest);
    const qint64 t = m_pass->settleAtMs;
    Pass &p = *m_pass;
    for (qsizetype i = 0; i < p.checks.size(); ++i) {
        const RedisReply &r = p.replies.at(p.fallback.size() + i);
        auto it = m_members.find(p.checks.at(i));
        if (it == m_members.end())
            continue;
        const qint64 ttl = r.isInteger() ? r.integer() : qint64(m_options.staleAfterMs);
        if (r.isInteger() && ttl == -2) {
            setVanished(it.key(), *it, true);
            p.delta.vanished.append({it.key(), it->score, {}});
        } else if (ttl < 0) {
            // no TTL: nothing will expire it
            reschedule(it.key(), *it, t + m_options.resyncEveryMs);
        } else {
            reschedule(it.key(), *it, t + ttl + 50);
        }
    }
    for (const QByteArray &member : std::as_const(p.removed)) {
        const auto it = m_members.find(member);
        if (it != m_members.end()) {
            setVanished(member, *it, true); // out of the due order
            m_members.erase(it);
        }
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

void IndexDeltaPoller::continueLater(void (IndexDeltaPoller::*step)())
{
    ++m_continued;
    m_nextStep = step;
    m_nextStepGeneration = m_generation;
    m_slicer->continueNextPass();
}

bool IndexDeltaPoller::sliceSpent(const TimeSlicer::Slice &slice, qsizetype done) const
{
    // The clock is read every 64 members: cheap, and a slice overshoots by the work of
    // 64 members at most. Never before the first member: every slice makes progress.
    return slice.spentEvery(done, 64);
}

void IndexDeltaPoller::endPass()
{
    // Called from inside the pass's own callbacks: the context goes later, and the
    // generation makes any reply still queued for it a no-op.
    ++m_generation;
    m_slicer->cancel();
    m_nextStep = nullptr;
    if (m_passContext)
        m_passContext->deleteLater();
    m_passContext = nullptr;
    if (m_pass)
        dispose(m_pass, m_pass->movedOrder.size() + m_pass->replies.size());
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
