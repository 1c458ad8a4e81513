#pragma once
// Polls a contract zset index (`N procs`, `N sessions`: member -> hash, score = last
// write) by delta instead of re-reading everything: a paged ZRANGE BYSCORE from the
// highest score seen, pipelined HGETALL of the members whose score moved, PTTL of the
// members that stopped moving (expired hash = silent writer), and a bounded ZSCAN pass
// now and then to find members removed from the zset. docs/poller.md has the design.
#include "core/types/IndexDelta.h"
#include "core/util/TimeSlicer.h"

#include <QByteArray>
#include <QByteArrayList>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QVector>

#include <functional>
#include <set>
#include <utility>

namespace switchboard {

class RedisClient;
class RedisReply;

class IndexDeltaPoller : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QByteArray indexKey; // e.g. Keys(ns).procs()
        std::function<QByteArray(const QByteArray &member)> hashKey; // member -> hash key
        int intervalMs = 2000;
        int batch = 1000; // ZRANGE LIMIT and HGETALL pipeline size
        int staleAfterMs = 6000; // check (PTTL) members not updated for this long
        int resyncEveryMs = 60000; // bounded ZSCAN pass to find removed members
        // 0: re-read every member whose score moved. > 0: a member whose score moved is
        // re-read only when new, marked dirty, a priority member, or its fields are older
        // than this (jittered per member so the re-reads spread out); the rest come as
        // `touched`. For heartbeat indexes where every score moves on every beat.
        int fieldsRefreshMs = 0;
        // Scores are writer clocks: a writer whose clock is behind writes scores below
        // the highest seen. Reading this far below it (de-duplicated by member+score)
        // still finds it; the ZSCAN pass finds anything older.
        int lookbackMs = 0;
        // The clock scores are judged against (ms since the epoch; ServerClock::nowMs for
        // the Redis server's). A writer whose clock is ahead writes scores in the future:
        // the cursor never goes past this clock as read when the poll started, so one fast
        // writer cannot hide everyone else's updates until the clock catches up with it
        // (its own unchanged score is de-duplicated, not re-read). Null: the local clock.
        std::function<qint64()> nowMs;
        // The clock this poller's own schedule is judged by: staleness (staleAfterMs),
        // fields refresh, resync, the slice budget, and polledAtMs. Null: the system's.
        // Tests step a ManualClock instead of waiting. Not owned; outlives the poller.
        const Clock *clock = nullptr;
        int maxPagesPerPoll = 100; // ZRANGE pages per poll; the rest continues next poll
        // > 0: at most this many re-reads per poll that are due only because their fields
        // are older than fieldsRefreshMs (new, dirty, vanished and priority members are
        // always read); the rest stay due for the next poll. Bounds a refresh wave.
        int maxFieldReadsPerPoll = 0;
        // > 0: the per-member work of a poll (sorting moved members, sending the reads,
        // settling the replies) runs in slices of about this many ms of GUI-thread time,
        // continued on the next event-loop pass, so one poll never blocks the loop for
        // O(all members). 0: each step in one go.
        int sliceBudgetMs = 4;
        int timeoutMs = -1; // per command; < 0: the client's default
        // Non-empty: the moved members' hashes are read in bulk, only these fields, with
        // `SORT_RO index BY nosort DESC LIMIT o n GET # GET <hashKey("*")>->field ...`
        // (Redis >= 7.0): on a zset, BY nosort keeps score order, so the top n are the
        // members this poll's ZRANGE found above the cursor. A member SORT_RO did not
        // cover (a writer raced it) and every member when SORT_RO is refused (ACL,
        // old server, cluster) is read with HGETALL as before. fields then holds only
        // these names (a missing field is left out, like HGETALL). docs/poller.md.
        QByteArrayList bulkFields;
        int bulkBatch = 250; // SORT_RO LIMIT per command: Redis blocks ~5 us per member
    };

    IndexDeltaPoller(RedisClient *client, Options options, QObject *parent = nullptr);
    ~IndexDeltaPoller() override;

    void start();
    void stop();
    void pollNow(); // a poll at once (or right after the one in flight)
    quint64 commandsSent() const { return m_commandsSent; }
    // Steps continued on a later event-loop pass (Options::sliceBudgetMs), since start.
    quint64 continuedSteps() const { return m_continued; }
    bool isPolling() const { return m_pass != nullptr; }
    int knownCount() const { return int(m_members.size()); }

    // Re-read this member's hash on the next poll whatever fieldsRefreshMs says (an event
    // said it changed).
    void markDirty(const QByteArray &member);
    // Members re-read on every score move (the rows the operator is looking at).
    void setPriorityMembers(const QSet<QByteArray> &members);
    // Start a ZSCAN pass on the next poll instead of waiting resyncEveryMs.
    void resyncSoon() { m_resyncDueMs = 0; }
    // Why the bulk read is off (the server's refusal of SORT_RO), empty while it is used
    // or not configured. Tried again after a reconnect.
    QString bulkRefusal() const { return m_bulkRefusal; }
    quint64 bulkCommandsSent() const { return m_bulkSent; }
    quint64 fallbackReads() const { return m_fallbackReads; }

Q_SIGNALS:
    void delta(const switchboard::IndexDelta &delta);
    void failed(const QString &message);

private:
    struct Member
    {
        qint64 score = 0;
        qint64 movedAtMs = 0; // monotonic: when its score last moved
        qint64 checkAtMs = 0; // monotonic: when to PTTL it if it has not moved
        qint64 fieldsDueMs = 0; // monotonic: when its fields are due for a re-read
        quint64 seenInPass = 0; // the ZSCAN pass that last saw it
        quint64 knownSincePass = 0; // the ZSCAN pass number when it was first seen
        bool vanished = false;
        bool dirty = true;
    };
    struct Pass; // one poll in flight

    void beginPoll();
    void requestPage();
    void onPage(const RedisReply &reply);
    void requestScan();
    void onScan(const RedisReply &reply);
    void requestReads();
    void takeOldestDue(bool bulk);
    bool bulkUsable() const;
    void requestBulk();
    void sendBulk();
    void onBulk(const RedisReply &reply);
    void sendReads();
    void sendReadChunk();
    void onReads(const QList<RedisReply> &replies, int chunk);
    void finishPoll();
    void settleReads(); // in slices of Options::sliceBudgetMs
    bool settleTouched(); // false: not done, continued on the next pass
    void settleRest();
    void continueLater(void (IndexDeltaPoller::*step)());
    bool sliceSpent(const TimeSlicer::Slice &slice, qsizetype done) const;
    void fail(const QString &message);
    void endPass();
    void noteScore(const QByteArray &member, qint64 score);
    Member &settleMember(const QByteArray &member, qint64 score, qint64 t);
    // The only writers of Member::checkAtMs and Member::vanished: they keep m_due in step.
    void reschedule(const QByteArray &member, Member &m, qint64 checkAtMs);
    void setVanished(const QByteArray &member, Member &m, bool vanished);
    bool wantsFields(const QByteArray &member, const Member &m, qint64 now) const;
    qint64 now() const { return m_clock->monotonicMs() - m_originMs; } // since construction

    RedisClient *m_client;
    Options m_options;
    QTimer m_timer;
    const Clock *m_clock = Clock::orSystem(m_options.clock);
    qint64 m_originMs = 0;
    TimeSlicer *m_slicer = nullptr; // a pass's next slice (continueLater)
    void (IndexDeltaPoller::*m_nextStep)() = nullptr;
    quint64 m_nextStepGeneration = 0;
    QHash<QByteArray, Member> m_members;
    QSet<QByteArray> m_priority;
    // (checkAtMs, member) of every known member that is not vanished: the PTTL checks take
    // the most overdue from its front instead of walking all members each poll.
    std::set<std::pair<qint64, QByteArray>> m_due;
    Pass *m_pass = nullptr;
    QObject *m_passContext = nullptr; // deleted to cancel a pass's callbacks
    bool m_pollAgain = false;
    bool m_lostConnection = false; // since the last ready
    bool m_full = true; // next poll reads from -inf and starts a ZSCAN pass
    qint64 m_maxScore = 0;
    bool m_haveMaxScore = false;
    qint64 m_resyncDueMs = 0;
    // ZSCAN pass state (spans polls: one ZSCAN call per poll).
    QByteArray m_scanCursor;
    bool m_scanning = false;
    quint64 m_scanPass = 0;
    quint64 m_commandsSent = 0;
    quint64 m_continued = 0;
    QString m_bulkRefusal;
    QByteArray m_bulkPattern; // hashKey("*"), empty when it cannot be a SORT pattern
    quint64 m_bulkSent = 0;
    quint64 m_fallbackReads = 0;
    quint64 m_generation = 0; // bumped per pass: late replies of an ended pass are dropped
};

} // namespace switchboard
