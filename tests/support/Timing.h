#pragma once
// Time limits in tests are properties of the design (the GUI thread never waits on the
// network), measured in wall-clock ms. They prove that nothing blocks, they are not speed
// targets (those are benchmarks under bench/). A real blocking call (a connect or a query
// on the GUI thread) takes seconds and fails the test at any of the limits below; what
// varies is the noise a busy machine adds to every event-loop gap, so the limit scales:
// - under the sanitizers every instruction costs several times more (x3);
// - on a machine whose run queue is longer than its cores (CI running two tests at once
//   next to compilers), by the one-minute load per core, at most x4. A 52 ms gap at load
//   6 on 2 cores was the scheduler, not the console.
#include <QFile>
#include <QThread>

#include <algorithm>

namespace switchboard::test {

constexpr int timingSlack()
{
#ifdef SWITCHBOARD_SANITIZED
    return 3;
#else
    return 1;
#endif
}

inline double loadSlack()
{
    QFile loadavg(QStringLiteral("/proc/loadavg"));
    if (!loadavg.open(QIODevice::ReadOnly))
        return 1.0;
    bool ok = false;
    const double load = loadavg.readLine().split(' ').value(0).toDouble(&ok);
    const int cores = std::max(1, QThread::idealThreadCount());
    return ok ? std::clamp(load / cores, 1.0, 4.0) : 1.0;
}

// The longest event-loop stall a test accepts: 50 ms on an idle machine.
inline int maxStallMs()
{
    return int(50 * timingSlack() * loadSlack());
}

} // namespace switchboard::test
