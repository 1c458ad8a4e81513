#pragma once
// The one time-budget slicer. Work too big for one event-loop pass (merging the first
// poll of 100 000 sessions, a fleet's refresh wave, settling a poll's replies, a flood of
// events) runs in slices of about budgetMs of GUI-thread time, one slice per pass, so the
// window paints and takes input in between. The work function does one slice and says
// whether work is left; only then is the next pass armed: a slicer with nothing to do
// holds no timer and never wakes the process. Optionally paced: schedule() starts a pass
// at most every minIntervalMs (a flush that gathers what came meanwhile), while the
// slices of one piece of work follow each other unpaced.
//
//   m_slicer = new TimeSlicer(2, [this](const TimeSlicer::Slice &s) { return drain(s); }, this);
//   ... work arrives: m_slicer->schedule();
//   bool drain(const TimeSlicer::Slice &s) { while (queued && !s.spent()) step(); return queued; }
//
// The budget is judged by a Clock (tests inject a ManualClock); the passes are real
// event-loop passes.
#include "core/util/Clock.h"

#include <QObject>
#include <QTimer>

#include <functional>

namespace switchboard {

class TimeSlicer : public QObject
{
public:
    // The budget of one slice, from when it started.
    class Slice
    {
    public:
        Slice(const Clock *clock, int budgetMs)
            : m_clock(clock)
            , m_startNs(clock->monotonicNs())
            , m_budgetNs(qint64(budgetMs) * 1000000)
        { }
        qint64 elapsedNs() const { return m_clock->monotonicNs() - m_startNs; }
        qint64 elapsedMs() const { return elapsedNs() / 1000000; }
        bool unlimited() const { return m_budgetNs <= 0; }
        // The budget is used up `times` over (never without a budget).
        bool spent(int times = 1) const
        {
            return !unlimited() && elapsedNs() >= m_budgetNs * times;
        }
        // spent(), with the clock read only every `every` steps (`done` counts them; the
        // read costs more than a step) and never before the first: every slice makes
        // progress, and overshoots by `every` steps at most.
        bool spentEvery(qsizetype done, int every) const
        {
            return done > 0 && done % every == 0 && spent();
        }
        // Another step expected to cost stepNs still fits (the first always does).
        bool fits(qint64 stepNs) const
        {
            return unlimited() || stepNs <= 0 || elapsedNs() + stepNs <= m_budgetNs;
        }

    private:
        const Clock *m_clock;
        qint64 m_startNs;
        qint64 m_budgetNs;
    };
    // One slice; true when work is left (the next slice runs in the next pass).
    using Work = std::function<bool(const Slice &)>;

    // budgetMs <= 0: no budget (each pass does all there is). clock: null = the system's.
    TimeSlicer(int budgetMs, Work work, QObject *parent = nullptr, const Clock *clock = nullptr);

    void setBudgetMs(int ms) { m_budgetMs = ms; }
    int budgetMs() const { return m_budgetMs; }
    // schedule() starts a pass no sooner than this after the last one started (0: at once).
    void setMinIntervalMs(int ms) { m_minIntervalMs = qMax(0, ms); }
    int minIntervalMs() const { return m_minIntervalMs; }
    const Clock *clock() const { return m_clock; }

    // A slice that starts now, for work that runs outside a pass (a reply callback that
    // does the first slice itself and continues in later passes).
    Slice slice() const { return Slice(m_clock, m_budgetMs); }
    // A pass once the event loop is free, paced by minIntervalMs; nothing if one is armed.
    void schedule();
    // A pass in the next event-loop pass, unpaced (the work goes on).
    void continueNextPass();
    // A pass now, in this call; an armed pass is cancelled (the work function decides
    // whether another is needed).
    void runNow();
    void cancel() { m_timer.stop(); }
    bool isScheduled() const { return m_timer.isActive(); }
    // When the armed pass runs (ms from now), -1 when none is armed.
    int scheduledInMs() const { return m_timer.isActive() ? m_timer.remainingTime() : -1; }
    // Time since the last pass started (ms); -1 before the first.
    qint64 sinceLastPassMs() const;
    quint64 passes() const { return m_passes; }

private:
    void run();

    Work m_work;
    const Clock *m_clock;
    QTimer m_timer; // single shot; active only while work is waiting for a pass
    int m_budgetMs;
    int m_minIntervalMs = 0;
    qint64 m_lastPassNs = -1;
    quint64 m_passes = 0;
};

} // namespace switchboard
