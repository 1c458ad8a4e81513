#pragma once
// Gives memory the allocator keeps but nothing uses back to the system. glibc returns only
// the top of a heap on free(): pages freed in the middle of an arena stay resident. After
// a burst of oversized replies (1 000 events of 80 KiB, a 70 MiB entry), the fault soak
// saw the console's RSS stay 37 MiB higher, 32 MiB of it free inside malloc's main arena.
// Every intervalMs, malloc_trim(0) (which releases whole free pages anywhere in every
// arena) runs on a pool thread, never on the GUI thread. No-op where there is no glibc
// malloc (and under the sanitizers, whose allocator is not glibc's).
#include <QObject>
#include <QTimer>

namespace switchboard {

class MemoryTrimmer : public QObject
{
    Q_OBJECT
public:
    explicit MemoryTrimmer(int intervalMs = 30000, QObject *parent = nullptr);

    // One trim now, on the calling thread; returns false where it cannot trim.
    static bool trimNow();

private:
    QTimer m_timer;
};

} // namespace switchboard
