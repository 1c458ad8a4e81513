// bench_events [N]: Bench 2 of the sessions/events issue. A writer thread pushes N
// recovery events with pipelined XADDs as fast as Redis takes them; in the same run a raw
// hiredis consumer (blocking XREAD in a thread: the baseline) and the console's events
// view (tail on the Qt event loop + bounded model + proxy + table on screen) follow the
// stream. Printed: the rate each drains, XADD -> row-in-model latency p50/p99 (the send
// time travels in the message field) against XADD -> received by the raw consumer, and
// the longest event-loop stall against the idle loop's. Targets: >= 0.9 of the raw rate,
// p99 < 100 ms, stall < 16 ms. A row counts as drained when it is in the model (inserted)
// or was skipped because more arrived in one frame than the buffer holds (counted exactly,
// never listed); latency is taken over the rows inserted. Load-insensitive figures: CPU
// time of the GUI thread per second, and CPU per event of the console's threads (GUI +
// tail worker) against the raw consumer's. Knobs: BENCH_HIDDEN=1 (view not shown: the
// model's share), BENCH_COUNT=n (the tail's XREAD COUNT).
#include "core/contract/RecoveryEvent.h"
#include "core/redis/RedisStreamReader.h"
#include "core/redis/RedisUri.h"
#include "harness/BenchTable.h"
#include "models/RecoveryEventTableModel.h"
#include "models/RecoveryEventTail.h"
#include "support/RedisServer.h"
#include "widgets/EventsView.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTableView>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <hiredis.h>
#include <thread>
#include <time.h>
#include <vector>

using namespace switchboard;

namespace {

const QByteArray kKey = QByteArrayLiteral("agentops:events");

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
void writer(int port, int count, std::atomic<qint64> *doneUs)
{
    redisContext *c = redisConnect("127.0.0.1", port);
    RecoveryEvent e;
    e.at = QDateTime::currentMSecsSinceEpoch();
    e.sessionId = QStringLiteral("sess-0001");
    e.agent = QStringLiteral("triage");
    e.kind = RecoveryKind::ToolTimeout;
    e.recoverable = true;
    e.strategy = RecoveryStrategy::Retry;
    e.outcome = RecoveryOutcome::Recovered;
    QList<QByteArray> base {QByteArrayLiteral("XADD"),    kKey,
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
void rawConsumer(int port, QByteArray fromId, int count, std::vector<double> *latMs,
                 std::atomic<qint64> *doneUs, qint64 *cpuUs)
{
    const qint64 cpu0 = threadCpuUs();
    redisContext *c = redisConnect("127.0.0.1", port);
    int got = 0;
    QByteArray last = std::move(fromId);
    while (got < count) {
        auto *r = static_cast<redisReply *>(
            redisCommand(c, "XREAD COUNT 1000 BLOCK 1000 STREAMS %b %b", kKey.constData(),
                         size_t(kKey.size()), last.constData(), size_t(last.size())));
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

// Longest gap between ticks of a 1 ms timer while `until` is false.
qint64 runLoopUntil(const std::function<bool()> &until, int timeoutMs)
{
    QEventLoop loop;
    QElapsedTimer clock;
    clock.start();
    qint64 last = 0, worst = 0;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(1);
    QObject::connect(&tick, &QTimer::timeout, &loop, [&] {
        const qint64 t = clock.elapsed();
        worst = std::max(worst, t - last);
        last = t;
        if (until() || t > timeoutMs)
            loop.quit();
    });
    tick.start();
    loop.exec();
    return worst;
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int count = argc > 1 ? std::max(1000, atoi(argv[1])) : 200000;

    test::RedisServer server;
    if (!server.start()) {
        std::fprintf(stderr, "redis: %s\n", qPrintable(server.error()));
        return 1;
    }
    const QByteArray seedId
        = server
              .cli({QStringLiteral("XADD"), QString::fromLatin1(kKey), QStringLiteral("*"),
                    QStringLiteral("seed"), QStringLiteral("1")})
              .trimmed();

    EventsView::Options viewOptions;
    viewOptions.backfill = 0; // only what the writer sends is measured
    EventsView view(viewOptions);
    view.resize(1400, 900);
    if (qEnvironmentVariableIsEmpty("BENCH_HIDDEN")) // to split the view's share out
        view.show();
    RedisConnectionOptions options = RedisUri::parse(server.uri())->toOptions();
    view.setRedis(options, kKey);
    if (!qEnvironmentVariableIsEmpty("BENCH_COUNT"))
        view.tail()->setCount(qEnvironmentVariableIntValue("BENCH_COUNT"));
    runLoopUntil([&] { return view.tail()->lastId() == seedId; }, 10000);
    const qint64 idleStall = runLoopUntil([] { return false; }, 1000);

    RecoveryEventTableModel *model = view.liveModel();
    RecoveryEventTail *tail = view.tail();
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
                             const EventRow &row = model->rowAt(r);
                             inserted += row.type == EventRow::Type::Event ? 1 : 0;
                             if (row.type == EventRow::Type::Event)
                                 consoleLat.push_back(double(now - row.event.message.toLongLong())
                                                      / 1000.0);
                         }
                     });

    std::vector<double> rawLat;
    rawLat.reserve(size_t(count));
    std::atomic<qint64> writerDone {0}, rawDone {0};
    qint64 consoleDone = 0, rawCpuUs = 0;
    const qint64 guiCpu0 = threadCpuUs(), workerCpu0 = threadCpuUs(tail->workerThread());
    const qint64 start = nowUs();
    std::thread raw(rawConsumer, server.port(), seedId, count, &rawLat, &rawDone, &rawCpuUs);
    std::thread write(writer, server.port(), count, &writerDone);
    const qint64 stall = runLoopUntil(
        [&] {
            if (!consoleDone && drained() >= count)
                consoleDone = nowUs();
            return consoleDone && rawDone.load();
        },
        180000);
    const qint64 guiCpuUs = threadCpuUs() - guiCpu0;
    const qint64 workerCpuUs = threadCpuUs(tail->workerThread()) - workerCpu0;
    const double runS = double(nowUs() - start) / 1e6;
    write.join();
    raw.join();
    if (!consoleDone) {
        std::fprintf(stderr, "console drained %lld of %d\n", static_cast<long long>(drained()),
                     count);
        return 1;
    }
    const auto rate = [&](qint64 done) {
        return double(count) / (double(done - start) / 1e6);
    };
    bench::BenchTable table(
        QStringLiteral("Bench 2: recovery-events tail, %1 XADDs flat out (writer: %2 /s)")
            .arg(count)
            .arg(qRound(rate(writerDone.load()))));
    table.add(QStringLiteral("events drained and in the model / s (vs raw hiredis XREAD)"),
              rate(consoleDone), rate(rawDone.load()), QStringLiteral("/s"));
    table.add(QStringLiteral("XADD -> row in model p50 (vs XADD -> raw consumer)"),
              percentile(consoleLat, 0.5), percentile(rawLat, 0.5), QStringLiteral("ms"));
    table.add(QStringLiteral("XADD -> row in model p99 (vs XADD -> raw consumer)"),
              percentile(consoleLat, 0.99), percentile(rawLat, 0.99), QStringLiteral("ms"));
    table.add(QStringLiteral("longest event-loop stall (vs idle loop)"), double(stall),
              double(idleStall), QStringLiteral("ms"));
    table.add(QStringLiteral("GUI-thread CPU per second of the run (vs raw consumer thread)"),
              double(guiCpuUs) / 1000.0 / runS, double(rawCpuUs) / 1000.0 / runS,
              QStringLiteral("ms/s"));
    table.add(QStringLiteral("console CPU per event, GUI + tail worker (vs raw consumer)"),
              double(guiCpuUs + workerCpuUs) / count, double(rawCpuUs) / count,
              QStringLiteral("us"));
    table.note(QStringLiteral("console = RecoveryEventTail (worker thread: RedisStreamReader "
                              "XREAD COUNT 1000 BLOCK + parse) + RecoveryEventTableModel (buffer "
                              "%1) + filter proxy + QTableView "
                              "following the tail + rate chart, offscreen")
                   .arg(model->capacity()));
    table.note(QStringLiteral("targets: rate ratio >= 0.9, p99 < 100 ms, stall < 16 ms; rows "
                              "in model: %1, counted: %2")
                   .arg(model->rowCount())
                   .arg(model->counters().total));
    table.note(QStringLiteral("tail worker CPU per event: %1 us; rows skipped by the tail "
                              "worker: %2, by the model: %3")
                   .arg(double(workerCpuUs) / count, 0, 'f', 2)
                   .arg(tail->rowsSkipped())
                   .arg(model->neverListed()));
    table.print();
    const double ratio = rate(consoleDone) / rate(rawDone.load());
    const double p99 = percentile(consoleLat, 0.99);
    const auto verdict = [](bool ok) {
        return ok ? "PASS" : "MISS";
    };
    std::printf("%s drain ratio %.2f (target >= 0.9)\n", verdict(ratio >= 0.9), ratio);
    std::printf("%s p99 XADD -> row in model %.1f ms (target < 100 ms)\n", verdict(p99 < 100), p99);
    std::printf("%s longest event-loop stall %lld ms (target < 16 ms)\n", verdict(stall < 16),
                static_cast<long long>(stall));
    return 0;
}
