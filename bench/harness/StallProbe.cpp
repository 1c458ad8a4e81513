#include "harness/StallProbe.h"

#include <cstdlib>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

namespace switchboard::bench {

StallProbe::StallProbe(int intervalMs, QObject *parent)
    : QObject(parent)
    , m_intervalMs(intervalMs)
{
    // Per thread: the probe lives on (and is read from) the thread that constructs it.
    m_fd = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &StallProbe::fire);
}

StallProbe::~StallProbe()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

void StallProbe::start()
{
    reset();
    m_timer.start();
}

void StallProbe::reset()
{
    m_clock.start();
    m_lastCpu = threadCpuMs();
    m_lastWait = waitMsNow();
    m_maxCpuMs = 0;
    m_worst = {};
}

double StallProbe::threadCpuMs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1000.0 + double(ts.tv_nsec) / 1e6;
}

// schedstat: "<ns on a CPU> <ns waiting on a run queue> <timeslices>"; a seq_file, so
// reading from offset 0 again regenerates it.
double StallProbe::waitMsNow() const
{
    if (m_fd < 0)
        return 0;
    char buf[128];
    const ssize_t n = ::pread(m_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end = nullptr;
    std::strtoull(buf, &end, 10);
    return double(std::strtoull(end, nullptr, 10)) / 1e6;
}

void StallProbe::fire()
{
    const double late = double(m_clock.nsecsElapsed()) / 1e6 - m_intervalMs;
    m_clock.start();
    const double cpu = threadCpuMs();
    const double wait = waitMsNow();
    const Interval now {late, cpu - m_lastCpu, wait - m_lastWait};
    m_lastCpu = cpu;
    m_lastWait = wait;
    m_maxCpuMs = qMax(m_maxCpuMs, now.cpuMs);
    if (now.lateMs > m_worst.lateMs)
        m_worst = now;
    if (m_onFire)
        m_onFire(now);
}

QString StallProbe::describeWorst() const
{
    QString out = QStringLiteral("%1 ms (%2 ms own CPU")
                      .arg(m_worst.lateMs, 0, 'f', 1)
                      .arg(m_worst.cpuMs, 0, 'f', 1);
    if (hasWait())
        out += QStringLiteral(", %1 ms waiting for a CPU").arg(m_worst.waitMs, 0, 'f', 1);
    return out + QLatin1Char(')');
}

} // namespace switchboard::bench
