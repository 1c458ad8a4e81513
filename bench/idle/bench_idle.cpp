// bench_idle: what the console costs when it is left open (issue 18: a laptop on battery
// through a night on call). The real `switchboard` binary (offscreen) on the demo's
// simulated fleet (switchboard-sim, 200 sessions on 10 hosts, paced to the wall clock),
// measured from outside over a window after a warm-up:
//   CPU        utime + stime of the whole process (/proc/PID/stat), as % of one core;
//   wake-ups   voluntary context switches of all its threads (/proc/PID/task/*/status),
//              per second: each is a thread that went to sleep and was woken again.
// Baselines from the same run, measured in the same window: an idle Qt event loop (this
// binary with --idle-loop: a QApplication with one shown window, nothing else) and the
// same console pointed at empty servers (no data). Target: < 1 % of a core and < 20
// wake-ups/s on the fleet.
//   bench_idle [--seconds N] [--warmup N] [--sessions N] [--hosts N]
//              [--console PATH] [--sim PATH]      (another build's binaries)
//              [--before PATH]   (also another console binary on the same fleet, in the
//                                 same window: a before/after of one run)
#include "bench/harness/BenchServers.h"
#include "bench/harness/BenchTable.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QMainWindow>
#include <QMap>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QVector>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unistd.h>

using namespace switchboard;
using namespace switchboard::bench;

namespace {

QString argValue(const QStringList &args, const QString &name, const QString &fallback)
{
    const int i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args.at(i + 1) : fallback;
}

// One reading of a process: its CPU time and every thread's voluntary switches.
struct Sample
{
    double cpuS = -1; // utime + stime, seconds
    QMap<QString, qint64> voluntary; // tid -> voluntary_ctxt_switches
    QMap<QString, QString> names; // tid -> comm
    bool valid() const { return cpuS >= 0; }
};

Sample sample(qint64 pid)
{
    Sample s;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return s;
    // The fields after the comm (which may hold spaces and parentheses): state is field 3,
    // utime and stime fields 14 and 15.
    const QByteArray line = stat.readAll();
    const QList<QByteArray> f = line.mid(line.lastIndexOf(')') + 2).split(' ');
    if (f.size() < 13)
        return s;
    const double hz = double(sysconf(_SC_CLK_TCK));
    s.cpuS = double(f.at(11).toLongLong() + f.at(12).toLongLong()) / hz;
    const QDir tasks(QStringLiteral("/proc/%1/task").arg(pid));
    const QStringList tids = tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &tid : tids) {
        QFile status(tasks.filePath(tid + QStringLiteral("/status")));
        if (!status.open(QIODevice::ReadOnly))
            continue; // the thread ended meanwhile
        const QList<QByteArray> lines = status.readAll().split('\n');
        for (const QByteArray &l : lines) {
            if (l.startsWith("voluntary_ctxt_switches:"))
                s.voluntary.insert(tid, l.mid(24).trimmed().toLongLong());
            else if (l.startsWith("Name:"))
                s.names.insert(tid, QString::fromUtf8(l.mid(5).trimmed()));
        }
    }
    return s;
}

struct Figures
{
    double cpuPercent = 0;
    double wakeupsPerS = 0;
    QString perThread; // "QtMainThread 12.3/s, RecoveryEventTa 40.1/s, ..."
};

// Threads that ended inside the window lose their switches (undercount); threads that
// started inside it count all of theirs.
Figures figures(const Sample &a, const Sample &b, double seconds)
{
    Figures out;
    out.cpuPercent = 100.0 * (b.cpuS - a.cpuS) / seconds;
    QList<QPair<double, QString>> threads;
    qint64 total = 0;
    for (auto it = b.voluntary.cbegin(); it != b.voluntary.cend(); ++it) {
        const qint64 d = it.value() - a.voluntary.value(it.key(), 0);
        total += d;
        if (d > 0)
            threads.append({double(d) / seconds, b.names.value(it.key())});
    }
    out.wakeupsPerS = double(total) / seconds;
    std::sort(threads.begin(), threads.end(),
              [](const auto &x, const auto &y) { return x.first > y.first; });
    QStringList parts;
    for (const auto &[rate, name] : std::as_const(threads))
        parts.append(QStringLiteral("%1 %2/s").arg(name).arg(rate, 0, 'f', 1));
    out.perThread = parts.join(QStringLiteral(", "));
    return out;
}

// The baseline process: an event loop with one window and nothing to do.
int runIdleLoop(int argc, char **argv)
{
    QApplication app(argc, argv);
    QMainWindow window;
    window.resize(1280, 800);
    window.show();
    return app.exec();
}

void waitMs(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

std::unique_ptr<QProcess> startProcess(const QString &program, const QStringList &args,
                                       const QProcessEnvironment &env, const QString &log)
{
    auto p = std::make_unique<QProcess>();
    p->setProcessEnvironment(env);
    p->setProcessChannelMode(QProcess::MergedChannels);
    p->setStandardOutputFile(log);
    p->start(program, args);
    if (!p->waitForStarted(10000)) {
        std::fprintf(stderr, "bench_idle: could not start %s\n", qPrintable(program));
        return nullptr;
    }
    return p;
}

void stop(QProcess *p)
{
    if (!p || p->state() == QProcess::NotRunning)
        return;
    p->terminate();
    if (!p->waitForFinished(10000)) {
        p->kill();
        p->waitForFinished(5000);
    }
}

} // namespace

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i)
        if (qstrcmp(argv[i], "--idle-loop") == 0)
            return runIdleLoop(argc, argv);
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int seconds = argValue(args, QStringLiteral("--seconds"), QStringLiteral("60")).toInt();
    const int warmup = argValue(args, QStringLiteral("--warmup"), QStringLiteral("30")).toInt();
    const QString sessions = argValue(args, QStringLiteral("--sessions"), QStringLiteral("200"));
    const QString hosts = argValue(args, QStringLiteral("--hosts"), QStringLiteral("10"));
    const QString console
        = argValue(args, QStringLiteral("--console"), QStringLiteral(SWITCHBOARD_BIN));
    const QString simBin = argValue(args, QStringLiteral("--sim"), QStringLiteral(SIM_BIN));
    const QString beforeBin = argValue(args, QStringLiteral("--before"), QString());

    BenchServers servers;
    QString error;
    if (!servers.start(&error) || !servers.createDatabase(QStringLiteral("fleet"), &error)
        || !servers.createDatabase(QStringLiteral("empty"), &error)) {
        std::fprintf(stderr, "bench_idle: %s\n", qPrintable(error));
        return 1;
    }
    QTemporaryDir home; // the consoles' settings (window state, theme) stay out of $HOME
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("HOME"), home.path());
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), home.path());
    env.insert(QStringLiteral("ASAN_OPTIONS"), QStringLiteral("detect_leaks=0"));

    const QString redis = servers.redis().uri();
    auto sim = startProcess(
        simBin,
        {QStringLiteral("--redis"), redis + QStringLiteral("/0"), QStringLiteral("--pg"),
         servers.pg().dsn(QStringLiteral("fleet")), QStringLiteral("--scenario"),
         QStringLiteral("incident"), QStringLiteral("--seed"), QStringLiteral("42"),
         QStringLiteral("--sessions"), sessions, QStringLiteral("--hosts"), hosts},
        env, home.filePath(QStringLiteral("sim.log")));
    waitMs(2000); // the fleet's first heartbeats and sessions are in before the console opens
    auto loop
        = startProcess(QCoreApplication::applicationFilePath(), {QStringLiteral("--idle-loop")},
                       env, home.filePath(QStringLiteral("loop.log")));
    auto empty = startProcess(console,
                              {QStringLiteral("--redis"), redis + QStringLiteral("/1"),
                               QStringLiteral("--pg"), servers.pg().dsn(QStringLiteral("empty")),
                               QStringLiteral("--operator"), QStringLiteral("bench")},
                              env, home.filePath(QStringLiteral("empty.log")));
    auto fleet = startProcess(console,
                              {QStringLiteral("--redis"), redis + QStringLiteral("/0"),
                               QStringLiteral("--pg"), servers.pg().dsn(QStringLiteral("fleet")),
                               QStringLiteral("--operator"), QStringLiteral("bench")},
                              env, home.filePath(QStringLiteral("fleet.log")));
    std::unique_ptr<QProcess> old;
    if (!beforeBin.isEmpty())
        old = startProcess(beforeBin,
                           {QStringLiteral("--redis"), redis + QStringLiteral("/0"),
                            QStringLiteral("--pg"), servers.pg().dsn(QStringLiteral("fleet")),
                            QStringLiteral("--operator"), QStringLiteral("bench")},
                           env, home.filePath(QStringLiteral("before.log")));
    if (!sim || !loop || !empty || !fleet || (!beforeBin.isEmpty() && !old))
        return 1;
    std::fprintf(stdout, "warm-up %d s, then %d s measured (console %s)\n", warmup, seconds,
                 qPrintable(console));
    std::fflush(stdout);
    waitMs(warmup * 1000);

    QProcess *procs[] = {loop.get(), empty.get(), fleet.get(), old.get()};
    const int n = old ? 4 : 3;
    Sample before[4], after[4];
    for (int i = 0; i < n; ++i)
        before[i] = sample(procs[i]->processId());
    QElapsedTimer window;
    window.start();
    // Sleep without an event loop: this process must not disturb the ones it measures.
    QThread::msleep(ulong(seconds) * 1000);
    for (int i = 0; i < n; ++i)
        after[i] = sample(procs[i]->processId());
    const double measured = double(window.elapsed()) / 1000.0;
    int rc = 0;
    for (int i = 0; i < n; ++i) {
        if (!before[i].valid() || !after[i].valid() || procs[i]->state() != QProcess::Running) {
            std::fprintf(stderr, "bench_idle: process %d ended early (logs in %s)\n", i,
                         qPrintable(home.path()));
            home.setAutoRemove(false);
            rc = 1;
        }
    }
    const Figures l = figures(before[0], after[0], measured);
    const Figures e = figures(before[1], after[1], measured);
    const Figures f = figures(before[2], after[2], measured);

    BenchTable table(QStringLiteral("the console left open (idle)"));
    table.add(QStringLiteral("CPU, console on the fleet (vs an idle Qt loop)"), f.cpuPercent,
              l.cpuPercent, QStringLiteral("% core"));
    table.add(QStringLiteral("wake-ups, console on the fleet (vs an idle Qt loop)"), f.wakeupsPerS,
              l.wakeupsPerS, QStringLiteral("/s"));
    table.add(QStringLiteral("CPU, console on the fleet (vs the console, no data)"), f.cpuPercent,
              e.cpuPercent, QStringLiteral("% core"));
    table.add(QStringLiteral("wake-ups, console on the fleet (vs the console, no data)"),
              f.wakeupsPerS, e.wakeupsPerS, QStringLiteral("/s"));
    if (old) {
        const Figures b = figures(before[3], after[3], measured);
        table.add(QStringLiteral("CPU, console on the fleet (vs --before on the same fleet)"),
                  f.cpuPercent, b.cpuPercent, QStringLiteral("% core"));
        table.add(QStringLiteral("wake-ups, console on the fleet (vs --before on the same fleet)"),
                  f.wakeupsPerS, b.wakeupsPerS, QStringLiteral("/s"));
        table.note(
            QStringLiteral("--before: %1; wake-ups by thread: %2").arg(beforeBin, b.perThread));
    }
    table.note(QStringLiteral("fleet: switchboard-sim --scenario incident, %1 sessions on %2 "
                              "hosts, paced; %3 s measured after %4 s")
                   .arg(sessions, hosts)
                   .arg(measured, 0, 'f', 1)
                   .arg(warmup));
    table.note(QStringLiteral("target: < 1 % of a core and < 20 wake-ups/s on the fleet: %1")
                   .arg(f.cpuPercent < 1.0 && f.wakeupsPerS < 20.0 ? QStringLiteral("met")
                                                                   : QStringLiteral("missed")));
    table.note(QStringLiteral("wake-ups by thread, fleet: ") + f.perThread);
    table.note(QStringLiteral("wake-ups by thread, no data: ") + e.perThread);
    table.note(QStringLiteral("wake-ups by thread, idle loop: ") + l.perThread);
    table.print();

    stop(old.get());
    stop(fleet.get());
    stop(empty.get());
    stop(loop.get());
    stop(sim.get());
    return rc;
}
