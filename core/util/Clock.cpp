#include "core/util/Clock.h"

#include <QDateTime>
#include <QElapsedTimer>

namespace switchboard {

namespace {

class SystemClock final : public Clock
{
public:
    SystemClock() { m_start.start(); }
    // Relative to the first use: QElapsedTimer's clock, without its invalid state.
    qint64 monotonicNs() const override { return m_start.nsecsElapsed() + 1000000000; }
    qint64 wallMs() const override { return QDateTime::currentMSecsSinceEpoch(); }

private:
    QElapsedTimer m_start;
};

} // namespace

const Clock *Clock::system()
{
    static const SystemClock clock;
    return &clock;
}

} // namespace switchboard
