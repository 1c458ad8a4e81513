#include "harness/CpuPlacement.h"

#include <QDir>
#include <QStringList>

#include <sched.h>
#include <unistd.h>

namespace switchboard::bench {

namespace {

// The CPUs this process may use, read once: before any pinning narrows the caller's set.
int cpuCount()
{
    static const int count = [] {
        cpu_set_t set;
        CPU_ZERO(&set);
        if (sched_getaffinity(0, sizeof set, &set) != 0)
            return 1;
        return CPU_COUNT(&set);
    }();
    return count;
}

cpu_set_t consoleSet()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    return set;
}

cpu_set_t loadSet()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int cpu = 1; cpu < cpuCount() && cpu < CPU_SETSIZE; ++cpu)
        CPU_SET(cpu, &set);
    return set;
}

// sched_setaffinity on a pid sets one thread: walk /proc/<pid>/task for all of them.
bool pinAllThreads(pid_t pid, const cpu_set_t &set)
{
    const QStringList tids = QDir(QStringLiteral("/proc/%1/task").arg(pid))
                                 .entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    bool ok = !tids.isEmpty();
    for (const QString &tid : tids)
        ok = sched_setaffinity(pid_t(tid.toInt()), sizeof set, &set) == 0 && ok;
    return ok;
}

} // namespace

bool CpuPlacement::available()
{
    return cpuCount() >= 2;
}

bool CpuPlacement::pinConsole()
{
    return available() && pinAllThreads(getpid(), consoleSet());
}

bool CpuPlacement::pinLoad(pid_t pid)
{
    return available() && pid > 0 && pinAllThreads(pid, loadSet());
}

bool CpuPlacement::pinLoadThread(pthread_t thread)
{
    if (!available())
        return false;
    const cpu_set_t set = loadSet();
    return pthread_setaffinity_np(thread, sizeof set, &set) == 0;
}

QString CpuPlacement::describe()
{
    if (!available())
        return QStringLiteral("one CPU: console and load share it");
    const QString load = cpuCount() == 2 ? QStringLiteral("CPU 1")
                                         : QStringLiteral("CPUs 1-%1").arg(cpuCount() - 1);
    return QStringLiteral("console on CPU 0; Redis and the load generators on %1 (other "
                          "machines in production)")
        .arg(load);
}

} // namespace switchboard::bench
