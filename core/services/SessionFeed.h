#pragma once
// Feeds the sessions model from the contract's sessions index: the shared
// IndexDeltaPoller over `N sessions` (member = session id, hash `N session:{id}`), each
// poll parsed and handed to a SessionChangeSink (models/SessionTableModel) in
// time-budgeted slices. A vanished hash (expired: the session ended or its writer went
// silent) and a member removed from the zset both leave the list.
#include "core/contract/Keys.h"
#include "core/services/IndexDeltaPoller.h"
#include "core/types/SessionChange.h"
#include "core/util/TimeSlicer.h"

#include <QObject>

#include <deque>

namespace switchboard {

class RedisClient;

class SessionFeed : public QObject
{
    Q_OBJECT
public:
    SessionFeed(RedisClient *client, IndexDeltaPoller::Options options, SessionChangeSink *sink,
                QObject *parent = nullptr);
    // The sessions index of a namespace, polled every intervalMs.
    static IndexDeltaPoller::Options options(const Keys &keys, int intervalMs = 2000);

    void start() { m_poller->start(); }
    void stop() { m_poller->stop(); }
    IndexDeltaPoller *poller() const { return m_poller; }
    quint64 commandsSent() const { return m_poller->commandsSent(); }
    quint64 polls() const { return m_polls; }
    bool isDraining() const { return !m_queue.empty(); }

    // Merges one delta: upserts; vanished + removed leave. Public so tests can feed a
    // hand-made delta through the same path.
    static void applyDelta(SessionChangeSink &sink, const IndexDelta &delta);

Q_SIGNALS:
    // After each poll: when (Unix ms), its Redis commands, hashes changed, sessions left.
    void polled(qint64 polledAtMs, int commands, int changed, int left);
    void failed(const QString &message); // the poller's error (it retries)

private:
    // A poll is merged in steps of at most kSliceRows rows, as many per event-loop pass
    // as fit in kSliceBudgetMs (m_slicer): the first poll of 100 000 sessions (or a
    // burst) never freezes the window; later polls queue behind, in order.
    static constexpr int kSliceRows = 250;
    static constexpr int kSliceBudgetMs = 2;
    struct Work
    {
        IndexDelta delta; // converted slice by slice: a big poll costs nothing at once
        qsizetype next = 0; // first upsert not merged yet
        qint64 atMs = 0;
    };
    void enqueue(const IndexDelta &delta);
    bool drain(const TimeSlicer::Slice &slice); // true: more is queued

    std::deque<Work> m_queue;
    TimeSlicer *m_slicer;
    IndexDeltaPoller *m_poller;
    SessionChangeSink *m_sink;
    quint64 m_polls = 0;
};

} // namespace switchboard
