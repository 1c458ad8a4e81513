#include "app/MemoryTrimmer.h"

#include <QThreadPool>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace switchboard {

MemoryTrimmer::MemoryTrimmer(int intervalMs, QObject *parent)
    : QObject(parent)
{
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this,
            [] { QThreadPool::globalInstance()->start([] { trimNow(); }); });
    m_timer.start();
}

bool MemoryTrimmer::trimNow()
{
#if defined(__GLIBC__) && !defined(SWITCHBOARD_SANITIZED)
    malloc_trim(0);
    return true;
#else
    return false;
#endif
}

} // namespace switchboard
