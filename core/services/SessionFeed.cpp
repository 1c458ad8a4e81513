#include "core/services/SessionFeed.h"

#include "core/contract/SessionRecord.h"

#include <QDateTime>

#include <utility>

namespace switchboard {

IndexDeltaPoller::Options SessionFeed::options(const Keys &keys, int intervalMs)
{
    IndexDeltaPoller::Options options;
    options.indexKey = keys.sessions();
    options.hashKey = [keys](const QByteArray &member) {
        return keys.session(QString::fromUtf8(member));
    };
    options.intervalMs = intervalMs;
    // A session hash has a 1 h idle TTL: check the quiet ones every 30 s, not every poll.
    options.staleAfterMs = 30000;
    // Only the fields the view shows, in bulk (SORT_RO ... GET), HGETALL as the fallback.
    options.bulkFields = SessionRecord::fieldNames();
    // The first poll reads the whole index in one pass (SORT_RO needs the window read in
    // full): 1000 x 1000 members before the poll is cut and continued.
    options.maxPagesPerPoll = 1000;
    // Small steps per event-loop pass (the view's repaint and a feed slice share a pass):
    // 2 ms slices, and SORT_RO replies of 125 members (a reply is parsed in one go: ~2 ms
    // at 250 while a first poll's fresh memory is faulted in).
    options.sliceBudgetMs = 2;
    options.bulkBatch = 125;
    return options;
}

SessionFeed::SessionFeed(RedisClient *client, IndexDeltaPoller::Options options,
                         SessionChangeSink *sink, QObject *parent)
    : QObject(parent)
    , m_sink(sink)
{
    m_slicer = new TimeSlicer(
        kSliceBudgetMs, [this](const TimeSlicer::Slice &slice) { return drain(slice); }, this);
    m_poller = new IndexDeltaPoller(client, std::move(options), this);
    connect(m_poller, &IndexDeltaPoller::delta, this, [this](const IndexDelta &delta) {
        ++m_polls;
        enqueue(delta);
        Q_EMIT polled(delta.polledAtMs, delta.commands, int(delta.upserts.size()),
                      int(delta.vanished.size() + delta.removed.size()));
    });
    connect(m_poller, &IndexDeltaPoller::failed, this, &SessionFeed::failed);
}

void SessionFeed::enqueue(const IndexDelta &delta)
{
    if (delta.isEmpty())
        return;
    // The first poll of 100 000 sessions: room for them all at once, while the model is
    // still small (cheap), instead of rehashing its index while it grows.
    m_sink->reserve(m_poller->knownCount());
    Work work;
    work.delta = delta; // shared, not copied
    work.atMs = delta.polledAtMs > 0 ? delta.polledAtMs : QDateTime::currentMSecsSinceEpoch();
    m_queue.push_back(std::move(work));
    // Merged from the next event-loop pass, not inside the poller's callback: that
    // callback already parsed a reply and settled the poll (~4 ms), and during this signal
    // the poller still holds the delta, so the first slice's non-const access would copy
    // all of it (100 000 records) in one go.
    m_slicer->schedule();
}

bool SessionFeed::drain(const TimeSlicer::Slice &slice)
{
    qint64 stepNs = 0; // the last step's cost: a step that would overrun waits
    while (!m_queue.empty() && slice.fits(stepNs)) {
        const qint64 stepStart = slice.elapsedNs();
        Work &work = m_queue.front();
        // Taken out of the delta as they are converted (the feed holds the only copy), so
        // its 100 000 field lists are freed slice by slice, not all at its end (~80 ms).
        QVector<IndexRecord> &all = work.delta.upserts;
        QVector<SessionChange> upserts;
        QVector<QByteArray> gone;
        const qsizetype end = qMin(all.size(), work.next + kSliceRows);
        upserts.reserve(end - work.next);
        for (; work.next < end; ++work.next) {
            IndexRecord &r = all[work.next];
            // Parsed here, in the slice, not by the model. A hash that could not be read
            // (over the reply cap) is a bad row saying so.
            if (r.error.isEmpty() && r.fields.isEmpty())
                gone.append(std::move(r.member)); // expired between ZRANGE and HGETALL
            else if (!r.error.isEmpty())
                upserts.append(
                    SessionChange::parse(std::move(r.member), {}, std::exchange(r.error, {})));
            else
                upserts.append(
                    SessionChange::parse(std::move(r.member), std::exchange(r.fields, {})));
        }
        const qint64 at = work.atMs;
        if (work.next >= all.size()) {
            for (const IndexRecord &r : work.delta.vanished)
                gone.append(r.member);
            gone += work.delta.removed;
            m_queue.pop_front(); // `work` is gone from here on
        }
        if (!upserts.isEmpty() || !gone.isEmpty())
            m_sink->apply(upserts, gone, at);
        stepNs = qMax<qint64>(1, slice.elapsedNs() - stepStart);
    }
    return !m_queue.empty();
}

void SessionFeed::applyDelta(SessionChangeSink &sink, const IndexDelta &delta)
{
    QVector<SessionChange> upserts;
    QVector<QByteArray> gone;
    upserts.reserve(delta.upserts.size());
    for (const IndexRecord &r : delta.upserts) {
        if (r.error.isEmpty() && r.fields.isEmpty())
            gone.append(r.member); // expired between ZRANGE and HGETALL
        else
            upserts.append(SessionChange::parse(
                r.member, r.error.isEmpty() ? r.fields : QList<QByteArray>(), r.error));
    }
    for (const IndexRecord &r : delta.vanished)
        gone.append(r.member);
    gone += delta.removed;
    sink.apply(upserts, gone,
               delta.polledAtMs > 0 ? delta.polledAtMs : QDateTime::currentMSecsSinceEpoch());
}

} // namespace switchboard
