// bench_events [N]: Bench 2 of the sessions/events issue. A writer thread pushes N
// recovery events with pipelined XADDs as fast as Redis takes them. Two phases of the same
// run, each on its own stream key with the same writer and count: first a raw hiredis
// consumer (blocking XREAD COUNT 1000 in a thread: the baseline), then the console's
// events view (tail worker thread + bounded model + proxy + table on screen + chart). Both
// phases use the same CPU placement (bench::CpuPlacement): Redis and the writer on the
// load CPU, the consumer under test on CPU 0 (the raw thread, or the console's GUI thread
// and its tail worker). Printed: the rate each drains, XADD -> row-in-model latency
// p50/p99 (the send time travels in the message field) against XADD -> received by the
// raw consumer, and the longest event-loop stall (bench::StallProbe, 5 ms) against the
// idle loop's, with its own CPU and run-queue wait. Targets: >= 0.9 of the raw rate, p99
// < 100 ms, stall < 16 ms. A row counts as drained when it is in the model (inserted) or
// was skipped because more arrived in one frame than the buffer holds (counted exactly,
// never listed); latency is taken over the rows inserted. Load-insensitive figures: CPU
// time of the GUI thread per second, and CPU per event of the console's threads (GUI +
// tail worker) against the raw consumer's. Knobs: BENCH_HIDDEN=1 (view not shown: the
// model's share), BENCH_COUNT=n (the tail's XREAD COUNT), BENCH_SLICE=n (the live
// model's rows per insert pass, 0 = all), BENCH_PAUSE=1 (print the GUI and
// worker tids and wait 5 s before the console phase, for `perf record -t`), BENCH_SHOT=file.png
// (the view as painted at the end of the flood), BENCH_TRACE=1 (largest GUI events),
// BENCH_DEPLOYMENTS=n (n prompt deployments marked on the rate chart, as Postgres would
// list them in production: the chart then draws their verticals through every update).
#include "app/EventsFeature.h"
#include "core/contract/RecoveryEvent.h"
#include "core/redis/RedisStreamReader.h"
#include "core/redis/RedisUri.h"
#include "core/services/RecoveryEventTail.h"
#include "harness/BenchTable.h"
#include "harness/CpuPlacement.h"
#include "harness/StallProbe.h"
#include "models/RecoveryEventTableModel.h"
#include "support/RedisServer.h"
#include "widgets/EventRateChart.h"
#include "widgets/EventsView.h"

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHash>
#include <QTableView>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <hiredis.h>
#include <sched.h>
#include <sys/syscall.h>
#include <thread>
#include <time.h>
#include <unistd.h>
#include <vector>

using namespace switchboard;

namespace {

const QByteArray kRawKey = QByteArrayLiteral("bench:raw");
const QByteArray kConsoleKey = QByteArrayLiteral("agentops:events");

qint64 nowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

qint64 threadCpuUs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// CPU time of another QThread, read on that thread.
qint64 threadCpuUs(QThread *thread)
{
    auto *probe = new QObject;
    probe->moveToThread(thread);
    qint64 us = 0;
    QMetaObject::invokeMethod(
        probe,
        [&us, probe] {
            us = threadCpuUs();
            probe->deleteLater();
        },
        Qt::BlockingQueuedConnection);
    return us;
}

// Pipelined XADDs, batch at a time, as fast as the server answers.
void writer(int port, QByteArray key, int count, std::atomic<qint64> *doneUs)
{
    // BENCH_WRITER_IDLE=1: the writer runs SCHED_IDLE, so on the load CPU Redis always
    // goes first and the writer fills only what Redis leaves (Redis, not the writer's own
    // CPU share, sets the flood's rate).
    if (qEnvironmentVariableIntValue("BENCH_WRITER_IDLE")) {
        sched_param p {};
        sched_setscheduler(0, SCHED_IDLE, &p);
    }
    redisContext *c = redisConnect("127.0.0.1", port);
    RecoveryEvent e;
    e.at = QDateTime::currentMSecsSinceEpoch();
    e.sessionId = QStringLiteral("sess-0001");
    e.agent = QStringLiteral("triage");
    e.kind = RecoveryKind::ToolTimeout;
    e.recoverable = true;
    e.strategy = RecoveryStrategy::Retry;
    e.outcome = RecoveryOutcome::Recovered;
    QList<QByteArray> base {QByteArrayLiteral("XADD"),    key,
                            QByteArrayLiteral("MAXLEN"),  QByteArrayLiteral("~"),
                            QByteArrayLiteral("1000000"), QByteArrayLiteral("*")};
    base << e.toFields().toFlatList();
    base << QByteArrayLiteral("message") << QByteArray();
    const int batch = 500;
    for (int sent = 0; sent < count;) {
        const int n = std::min(batch, count - sent);
        for (int i = 0; i < n; ++i) {
            QList<QByteArray> args = base;
            args.last() = QByteArray::number(nowUs());
            std::vector<const char *> argv;
            std::vector<size_t> lens;
            for (const QByteArray &a : args) {
                argv.push_back(a.constData());
                lens.push_back(size_t(a.size()));
            }
            redisAppendCommandArgv(c, int(argv.size()), argv.data(), lens.data());
        }
        for (int i = 0; i < n; ++i) {
            void *reply = nullptr;
            if (redisGetReply(c, &reply) != REDIS_OK)
                break;
            freeReplyObject(reply);
        }
        sent += n;
    }
    doneUs->store(nowUs());
    redisFree(c);
}

// The baseline: blocking XREAD COUNT 1000 (the tail's COUNT) in a plain thread.
void rawConsumer(int port, int count, std::vector<double> *latMs, std::atomic<qint64> *doneUs,
                 qint64 *cpuUs)
{
    const qint64 cpu0 = threadCpuUs();
    redisContext *c = redisConnect("127.0.0.1", port);
    int got = 0;
    QByteArray last = QByteArrayLiteral("0-0"); // a fresh key: everything on it is ours
    while (got < count) {
        auto *r = static_cast<redisReply *>(
            redisCommand(c, "XREAD COUNT 1000 BLOCK 1000 STREAMS %b %b", kRawKey.constData(),
                         size_t(kRawKey.size()), last.constData(), size_t(last.size())));
        if (!r)
            break;
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
            const redisReply *entries = r->element[0]->element[1];
            const qint64 now = nowUs();
            for (size_t i = 0; i < entries->elements; ++i) {
                const redisReply *entry = entries->element[i];
                last = QByteArray(entry->element[0]->str, int(entry->element[0]->len));
                const redisReply *fv = entry->element[1];
                for (size_t f = 0; f + 1 < fv->elements; f += 2) {
                    if (qstrcmp(fv->element[f]->str, "message") == 0)
                        latMs->push_back(
                            double(now - QByteArray(fv->element[f + 1]->str).toLongLong())
                            / 1000.0);
                }
                ++got;
            }
        }
        freeReplyObject(r);
    }
    doneUs->store(nowUs());
    *cpuUs = threadCpuUs() - cpu0;
    redisFree(c);
}

// BENCH_TRACE=1: the GUI thread's CPU per delivered event, the largest per receiver class
// and event type (as bench_procs does), to attribute the largest chunk.
class TimedApplication : public QApplication
{
public:
    using QApplication::QApplication;
    bool notify(QObject *receiver, QEvent *event) override
    {
        // notify() runs on every thread: only the GUI thread's events are timed here.
        if (m_depth > 0 || !m_recording || QThread::currentThread() != thread())
            return QApplication::notify(receiver, event);
        ++m_depth;
        const double t0 = bench::StallProbe::threadCpuMs();
        const bool ok = QApplication::notify(receiver, event);
        const double ms = bench::StallProbe::threadCpuMs() - t0;
        --m_depth;
        if (ms >= 1.0) {
            QString what = QString::fromLatin1(receiver->metaObject()->className());
            if (receiver->parent()) // a QTimer: whose
                what += QStringLiteral(" of ")
                    + QString::fromLatin1(receiver->parent()->metaObject()->className());
            what += QStringLiteral(" event ") + QString::number(int(event->type()));
            double &max = m_largest[what];
            max = std::max(max, ms);
        }
        return ok;
    }
    void record(bool on) { m_recording = on; }
    QString largest(int n) const
    {
        QList<QPair<double, QString>> all;
        for (auto it = m_largest.cbegin(); it != m_largest.cend(); ++it)
            all.append({it.value(), it.key()});
        std::sort(all.begin(), all.end(), [](const auto &a, const auto &b) { return a > b; });
        QStringList out;
        for (int i = 0; i < std::min(n, int(all.size())); ++i)
            out.append(
                QStringLiteral("%1 ms %2").arg(all.at(i).first, 0, 'f', 1).arg(all.at(i).second));
        return out.join(QStringLiteral("; "));
    }

private:
    int m_depth = 0;
    bool m_recording = false;
    QHash<QString, double> m_largest;
};

// Runs the event loop until `until` holds (checked every ms) or timeoutMs passes.
bool runLoopUntil(const std::function<bool()> &until, int timeoutMs)
{
    QEventLoop loop;
    QElapsedTimer clock;
    clock.start();
    bool met = false;
    QTimer tick;
    tick.setInterval(1);
    QObject::connect(&tick, &QTimer::timeout, &loop, [&] {
        met = until();
        if (met || clock.elapsed() > timeoutMs)
            loop.quit();
    });
    tick.start();
    loop.exec();
    return met;
}

pid_t currentTid()
{
    return pid_t(syscall(SYS_gettid));
}

pid_t threadTid(QThread *thread)
{
    auto *probe = new QObject;
    probe->moveToThread(thread);
    pid_t tid = 0;
    QMetaObject::invokeMethod(
        probe,
        [&tid, probe] {
            tid = currentTid();
            probe->deleteLater();
        },
        Qt::BlockingQueuedConnection);
    return tid;
}

// One writer thread on the load CPU(s): the same for both phases.
std::thread startWriter(int port, const QByteArray &key, int count, std::atomic<qint64> *doneUs,
                        bool *placed)
{
    std::thread t(writer, port, key, count, doneUs);
    *placed = bench::CpuPlacement::pinLoadThread(t.native_handle()) && *placed;
    return t;
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    TimedApplication app(argc, argv);
    const bool trace = !qEnvironmentVariableIsEmpty("BENCH_TRACE");
    const int count = argc > 1 ? std::max(1000, atoi(argv[1])) : 200000;

    test::RedisServer server;
    if (!server.start()) {
        std::fprintf(stderr, "redis: %s\n", qPrintable(server.error()));
        return 1;
    }
    const QByteArray seedId
        = server
              .cli({QStringLiteral("XADD"), QString::fromLatin1(kConsoleKey), QStringLiteral("*"),
                    QStringLiteral("seed"), QStringLiteral("1")})
              .trimmed();

    EventsView::Options viewOptions;
    viewOptions.backfill = 0; // only what the writer sends is measured
    EventsFeature events(ConnectionProfile(), nullptr, viewOptions); // agentops:events
    EventsView &view = *events.view();
    view.resize(1400, 900);
    if (qEnvironmentVariableIsEmpty("BENCH_HIDDEN")) // to split the view's share out
        view.show();
    RedisConnectionOptions options = RedisUri::parse(server.uri())->toOptions();
    if (const int deployments = qEnvironmentVariableIntValue("BENCH_DEPLOYMENTS")) {
        QVector<DeploymentMarker> markers;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < deployments; ++i)
            markers.append({QStringLiteral("agent-%1").arg(i), i + 1,
                            now - 60000 * qint64(i % 9 + 1),
                            i % 2 ? QStringLiteral("rollback") : QStringLiteral("deploy")});
        view.chart()->setDeployments(markers);
    }
    events.setRedis(options);
    if (!qEnvironmentVariableIsEmpty("BENCH_COUNT"))
        events.tail()->setCount(qEnvironmentVariableIntValue("BENCH_COUNT"));
    if (!qEnvironmentVariableIsEmpty("BENCH_SLICE"))
        view.liveModel()->setMaxRowsPerFlush(qEnvironmentVariableIntValue("BENCH_SLICE"));
    runLoopUntil([&] { return events.tail()->lastId() == seedId; }, 10000);
    RecoveryEventTableModel *model = view.liveModel();
    RecoveryEventTail *tail = events.tail();

    // Placement: every thread that exists now (GUI, tail worker, Qt's) on CPU 0; Redis and
    // each writer on the load CPU(s). Threads started later inherit CPU 0 (the raw consumer).
    bool placed
        = bench::CpuPlacement::pinLoad(pid_t(server.pid())) && bench::CpuPlacement::pinConsole();

    bench::StallProbe idleProbe(5);
    idleProbe.start();
    runLoopUntil([] { return false; }, 1000);
    idleProbe.stop();

    // Phase 1: the raw consumer (the baseline) on its own key, the console idle.
    std::vector<double> rawLat;
    rawLat.reserve(size_t(count));
    std::atomic<qint64> rawWriterDone {0}, rawDone {0};
    qint64 rawCpuUs = 0;
    const qint64 rawStart = nowUs();
    std::thread raw(rawConsumer, server.port(), count, &rawLat, &rawDone, &rawCpuUs);
    std::thread rawWrite = startWriter(server.port(), kRawKey, count, &rawWriterDone, &placed);
    rawWrite.join();
    raw.join();
    const double rawRunS = double(rawDone.load() - rawStart) / 1e6;
    server.cli({QStringLiteral("DEL"), QString::fromLatin1(kRawKey)});

    // Phase 2: the console, same writer and count, on the key its tail follows.
    std::vector<double> consoleLat;
    consoleLat.reserve(size_t(count));
    qint64 inserted = 0;
    const auto drained = [&] {
        return inserted + tail->rowsSkipped() + model->neverListed();
    };
    QObject::connect(model, &QAbstractItemModel::rowsInserted, model,
                     [&](const QModelIndex &, int first, int last) {
                         const qint64 now = nowUs();
                         for (int r = first; r <= last; ++r) {
                             const RecoveryEventRow &row = model->rowAt(r);
                             inserted += row.type == RecoveryEventRow::Type::Event ? 1 : 0;
                             if (row.type == RecoveryEventRow::Type::Event)
                                 consoleLat.push_back(double(now - row.event.message.toLongLong())
                                                      / 1000.0);
                         }
                     });
    // The model's largest insert pass (GUI-thread CPU from its first signal to flushed()).
    double flushStartMs = -1, maxFlushMs = 0;
    const auto flushBegins = [&] {
        if (flushStartMs < 0)
            flushStartMs = bench::StallProbe::threadCpuMs();
    };
    QObject::connect(model, &QAbstractItemModel::rowsAboutToBeRemoved, model, flushBegins);
    QObject::connect(model, &QAbstractItemModel::rowsAboutToBeInserted, model, flushBegins);
    QObject::connect(model, &RecoveryEventTableModel::flushed, model, [&] {
        if (flushStartMs >= 0)
            maxFlushMs = std::max(maxFlushMs, bench::StallProbe::threadCpuMs() - flushStartMs);
        flushStartMs = -1;
    });
    if (!qEnvironmentVariableIsEmpty("BENCH_PAUSE")) {
        std::printf("GUI tid %d, tail worker tid %d: console phase in 5 s\n", int(currentTid()),
                    int(threadTid(tail->workerThread())));
        std::fflush(stdout);
        runLoopUntil([] { return false; }, 5000);
    }
    std::atomic<qint64> writerDone {0};
    qint64 consoleDone = 0;
    const qint64 guiCpu0 = threadCpuUs(), workerCpu0 = threadCpuUs(tail->workerThread());
    bench::StallProbe probe(5);
    probe.start();
    app.record(trace);
    const qint64 start = nowUs();
    std::thread write = startWriter(server.port(), kConsoleKey, count, &writerDone, &placed);
    runLoopUntil(
        [&] {
            if (!consoleDone && drained() >= count)
                consoleDone = nowUs();
            return consoleDone != 0;
        },
        180000);
    probe.stop();
    app.record(false);
    if (!qEnvironmentVariableIsEmpty("BENCH_SHOT")) // to look at what was painted
        view.grab().save(qEnvironmentVariable("BENCH_SHOT"));
    const qint64 guiCpuUs = threadCpuUs() - guiCpu0;
    const qint64 workerCpuUs = threadCpuUs(tail->workerThread()) - workerCpu0;
    const double runS = double(nowUs() - start) / 1e6;
    write.join();
    if (!consoleDone) {
        std::fprintf(stderr, "console drained %lld of %d\n", static_cast<long long>(drained()),
                     count);
        return 1;
    }
    const auto rate = [&](qint64 from, qint64 done) {
        return double(count) / (double(done - from) / 1e6);
    };
    bench::BenchTable table(
        QStringLiteral("Bench 2: recovery-events tail, %1 XADDs flat out (writer: %2 /s "
                       "console phase, %3 /s raw phase)")
            .arg(count)
            .arg(qRound(rate(start, writerDone.load())))
            .arg(qRound(rate(rawStart, rawWriterDone.load()))));
    table.add(QStringLiteral("events drained and in the model / s (vs raw hiredis XREAD)"),
              rate(start, consoleDone), rate(rawStart, rawDone.load()), QStringLiteral("/s"));
    table.add(QStringLiteral("XADD -> row in model p50 (vs XADD -> raw consumer)"),
              percentile(consoleLat, 0.5), percentile(rawLat, 0.5), QStringLiteral("ms"));
    table.add(QStringLiteral("XADD -> row in model p99 (vs XADD -> raw consumer)"),
              percentile(consoleLat, 0.99), percentile(rawLat, 0.99), QStringLiteral("ms"));
    table.add(QStringLiteral("longest event-loop stall, 5 ms probe (vs idle loop)"),
              probe.maxLateMs(), idleProbe.maxLateMs(), QStringLiteral("ms"));
    table.add(QStringLiteral("largest GUI-thread CPU between two probe fires (vs idle)"),
              probe.maxCpuMs(), idleProbe.maxCpuMs(), QStringLiteral("ms"));
    table.add(QStringLiteral("GUI-thread CPU per second of the run (vs raw consumer thread)"),
              double(guiCpuUs) / 1000.0 / runS, double(rawCpuUs) / 1000.0 / rawRunS,
              QStringLiteral("ms/s"));
    table.add(QStringLiteral("console CPU per event, GUI + tail worker (vs raw consumer)"),
              double(guiCpuUs + workerCpuUs) / count, double(rawCpuUs) / count,
              QStringLiteral("us"));
    table.note(QStringLiteral("console = RecoveryEventTail (worker thread: RedisStreamReader "
                              "XREAD COUNT 1000 BLOCK + parse) + RecoveryEventTableModel (buffer "
                              "%1) + filter proxy + QTableView "
                              "following the tail + rate chart (%2 deployment markers), offscreen")
                   .arg(model->capacity())
                   .arg(qEnvironmentVariableIntValue("BENCH_DEPLOYMENTS")));
    table.note(placed ? bench::CpuPlacement::describe()
                      : QStringLiteral("CPU placement failed: console and load share the CPUs"));
    table.note(QStringLiteral("worst stall: %1; idle: %2; largest model insert pass %3 ms CPU")
                   .arg(probe.describeWorst(), idleProbe.describeWorst())
                   .arg(maxFlushMs, 0, 'f', 1));
    table.note(QStringLiteral("targets: rate ratio >= 0.9, p99 < 100 ms, stall < 16 ms; rows "
                              "in model: %1, counted: %2")
                   .arg(model->rowCount())
                   .arg(model->counters().total));
    table.note(QStringLiteral("tail worker CPU per event: %1 us, GUI thread %2 us; rows "
                              "skipped (never listed): %3, of them by the model: %4")
                   .arg(double(workerCpuUs) / count, 0, 'f', 2)
                   .arg(double(guiCpuUs) / count, 0, 'f', 2)
                   .arg(tail->rowsSkipped())
                   .arg(model->neverListed()));
    if (trace)
        table.note(QStringLiteral("largest GUI-thread events (CPU): %1").arg(app.largest(6)));
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) == 3)
        table.note(QStringLiteral("load average %1 %2 %3")
                       .arg(load[0], 0, 'f', 2)
                       .arg(load[1], 0, 'f', 2)
                       .arg(load[2], 0, 'f', 2));
    table.print();
    const double ratio = rate(start, consoleDone) / rate(rawStart, rawDone.load());
    const double p99 = percentile(consoleLat, 0.99);
    const double stall = probe.maxLateMs();
    const auto verdict = [](bool ok) {
        return ok ? "PASS" : "MISS";
    };
    std::printf("%s drain ratio %.2f (target >= 0.9)\n", verdict(ratio >= 0.9), ratio);
    std::printf("%s p99 XADD -> row in model %.1f ms (target < 100 ms)\n", verdict(p99 < 100), p99);
    std::printf("%s longest event-loop stall %.1f ms (target < 16 ms)\n", verdict(stall < 16),
                stall);
    return 0;
}
