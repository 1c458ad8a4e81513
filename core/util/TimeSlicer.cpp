#include "core/util/TimeSlicer.h"

#include <QPointer>

#include <utility>

namespace switchboard {

TimeSlicer::TimeSlicer(int budgetMs, Work work, QObject *parent, const Clock *clock)
    : QObject(parent)
    , m_work(std::move(work))
    , m_clock(Clock::orSystem(clock))
    , m_budgetMs(budgetMs)
{
    // A child, so per-event attributions (the benches' BENCH_TRACE) name its owner.
    m_timer.setParent(this);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &TimeSlicer::run);
}

void TimeSlicer::schedule()
{
    if (m_timer.isActive())
        return;
    qint64 wait = 0;
    const qint64 since = sinceLastPassMs();
    if (m_minIntervalMs > 0 && since >= 0)
        wait = qMax<qint64>(0, m_minIntervalMs - since);
    m_timer.start(int(wait));
}

void TimeSlicer::continueNextPass()
{
    if (!m_timer.isActive() || m_timer.interval() > 0)
        m_timer.start(0);
}

void TimeSlicer::runNow()
{
    m_timer.stop();
    run();
}

qint64 TimeSlicer::sinceLastPassMs() const
{
    return m_lastPassNs < 0 ? -1 : (m_clock->monotonicNs() - m_lastPassNs) / 1000000;
}

void TimeSlicer::run()
{
    ++m_passes;
    const Slice s = slice();
    m_lastPassNs = m_clock->monotonicNs();
    // The work may arm the next pass itself (continueNextPass, schedule) or end its owner.
    const QPointer<TimeSlicer> self(this);
    if (m_work(s) && self)
        continueNextPass();
}

} // namespace switchboard
