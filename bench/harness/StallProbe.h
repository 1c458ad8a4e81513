#pragma once
// The event-loop stall every GUI benchmark reports, with where the time went. A precise
// timer fires every `intervalMs`; between two fires it reads the thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID) and the time the thread sat runnable on a run queue waiting
// for a CPU (/proc/thread-self/schedstat, second field). A stall is the timer's lateness
// (wall clock); for the worst one the probe keeps how much of it was this thread's own
// work and how much was waiting for a CPU that other processes held (the benches share 2
// cores with their load generators and Redis). The target is judged on the wall clock.
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>

namespace switchboard::bench {

class StallProbe : public QObject
{
public:
    struct Interval
    {
        double lateMs = 0; // wall clock between two fires minus the interval
        double cpuMs = 0; // this thread's CPU time between them
        double waitMs = 0; // ... and its time runnable but not running
    };

    explicit StallProbe(int intervalMs = 5, QObject *parent = nullptr);
    ~StallProbe() override;

    void start();
    void stop() { m_timer.stop(); }
    // Forgets what was measured: the next window starts now.
    void reset();

    double maxLateMs() const { return m_worst.lateMs; }
    double maxCpuMs() const { return m_maxCpuMs; }
    // The interval with the largest lateness (its CPU and run-queue wait).
    Interval worst() const { return m_worst; }
    // "33.1 ms (14.2 ms own CPU, 17.0 ms waiting for a CPU)"
    QString describeWorst() const;
    // False when the kernel gives no schedstat (waitMs stays 0).
    bool hasWait() const { return m_fd >= 0; }

    static double threadCpuMs();
    // Called at every fire with the interval that just ended (BENCH_TRACE's attribution
    // of the worst interval to the events delivered in it).
    void setOnFire(std::function<void(const Interval &)> f) { m_onFire = std::move(f); }

private:
    double waitMsNow() const;
    void fire();

    QTimer m_timer;
    QElapsedTimer m_clock;
    int m_intervalMs;
    int m_fd = -1;
    double m_lastCpu = 0, m_lastWait = 0;
    double m_maxCpuMs = 0;
    Interval m_worst;
    std::function<void(const Interval &)> m_onFire;
};

} // namespace switchboard::bench
