// bench_redis_pipeline: starts its own redis-server, measures redis-benchmark -P 16 on it
// (the baseline), then this client doing the same number of pipelined SET/GET with a
// window of commands in flight, and prints figure / baseline / ratio. Target >= 0.8.
#include "core/redis/RedisClient.h"
#include "support/RedisServer.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QProcess>
#include <QTextStream>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

using namespace switchboard;

namespace {

constexpr int kRequests = 200000;

// Requests per second for SET and GET from redis-benchmark's CSV output.
QMap<QByteArray, double> runRedisBenchmark(int port, int clients)
{
    QProcess p;
    p.start(QStringLiteral("redis-benchmark"),
            {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
             QString::number(port), QStringLiteral("-c"), QString::number(clients),
             QStringLiteral("-P"), QStringLiteral("16"), QStringLiteral("-t"),
             QStringLiteral("set,get"), QStringLiteral("-n"), QString::number(kRequests),
             QStringLiteral("-q"), QStringLiteral("--csv")});
    p.waitForFinished(300000);
    QMap<QByteArray, double> rps;
    for (const QByteArray &line : p.readAllStandardOutput().split('\n')) {
        const QList<QByteArray> cells = line.split(',');
        if (cells.size() < 2)
            continue;
        auto unquote = [](QByteArray s) {
            return s.replace('"', QByteArray());
        };
        bool ok = false;
        const double v = unquote(cells.at(1)).toDouble(&ok);
        if (ok)
            rps.insert(unquote(cells.at(0)), v);
    }
    return rps;
}

// Sends kRequests commands over `connections` clients keeping `window` in flight on each;
// returns requests per second.
double runClient(const RedisConnectionOptions &options, int connections, int window, bool get)
{
    std::vector<std::unique_ptr<RedisClient>> clients;
    QEventLoop loop;
    int ready = 0;
    for (int i = 0; i < connections; ++i) {
        clients.push_back(std::make_unique<RedisClient>(options));
        QObject::connect(clients.back().get(), &RedisClient::ready, &loop, [&] {
            if (++ready == connections)
                loop.quit();
        });
        clients.back()->open();
    }
    loop.exec();

    const QByteArray value(3, 'x'); // redis-benchmark's default 3-byte payload
    int sent = 0, done = 0, errors = 0;
    QObject context;
    std::function<void(RedisClient *)> sendOne = [&](RedisClient *c) {
        if (sent >= kRequests)
            return;
        const QByteArray key = QByteArrayLiteral("key:") + QByteArray::number(sent % 1000);
        ++sent;
        const QList<QByteArray> args
            = get ? QList<QByteArray> {"GET", key} : QList<QByteArray> {"SET", key, value};
        c->command(args, &context, [&, c](const RedisReply &r) {
            errors += r.isError();
            if (++done == kRequests)
                loop.quit();
            else
                sendOne(c);
        });
    };
    QElapsedTimer t;
    t.start();
    for (auto &c : clients)
        for (int i = 0; i < window; ++i)
            sendOne(c.get());
    loop.exec();
    const double seconds = double(t.nsecsElapsed()) / 1e9;
    if (errors)
        std::fprintf(stderr, "%d errors\n", errors);
    return kRequests / seconds;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    test::RedisServer server;
    if (!server.start()) {
        std::fprintf(stderr, "cannot start redis-server: %s\n", qPrintable(server.error()));
        return 1;
    }
    RedisConnectionOptions o;
    o.endpoint = {server.host(), server.port()};
    o.commandTimeoutMs = 30000;

    // The machine is shared: each figure is the best of three runs, baseline and client
    // interleaved so both see the same background load.
    constexpr int kRounds = 3;
    QMap<QByteArray, double> base1, base50;
    auto keepBest = [](QMap<QByteArray, double> &best, const QMap<QByteArray, double> &run) {
        for (auto it = run.cbegin(); it != run.cend(); ++it)
            best[it.key()] = std::max(best.value(it.key()), it.value());
    };
    struct Case
    {
        bool get;
        int connections;
        int window;
        double best = 0;
    };
    std::vector<Case> cases;
    for (const bool get : {false, true})
        for (const auto &[conns, window] :
             {std::pair {1, 16}, std::pair {1, 64}, std::pair {1, 256}, std::pair {50, 16}})
            cases.push_back({get, conns, window});
    runClient(o, 1, 16, false); // warm-up: connections, keys, allocator
    for (int round = 0; round < kRounds; ++round) {
        keepBest(base1, runRedisBenchmark(server.port(), 1));
        keepBest(base50, runRedisBenchmark(server.port(), 50));
        for (Case &c : cases)
            c.best = std::max(c.best, runClient(o, c.connections, c.window, c.get));
    }

    QTextStream out(stdout);
    out << QStringLiteral("%1 requests each, best of %2 runs, redis-server on 127.0.0.1:%3\n")
               .arg(kRequests)
               .arg(kRounds)
               .arg(server.port());
    out << QStringLiteral("%1 %2 %3 %4\n")
               .arg(QStringLiteral("figure"), -56)
               .arg(QStringLiteral("req/s"), 10)
               .arg(QStringLiteral("baseline"), 10)
               .arg(QStringLiteral("ratio"), 6);
    bool allMet = true;
    for (const Case &c : cases) {
        const QByteArray cmd = c.get ? QByteArrayLiteral("GET") : QByteArrayLiteral("SET");
        const double baseline = (c.connections == 1 ? base1 : base50).value(cmd);
        const double ratio = baseline > 0 ? c.best / baseline : 0;
        allMet = allMet && ratio >= 0.8;
        const QString name
            = QStringLiteral("%1: %2 conn x %3 in flight vs redis-benchmark -c %2 -P 16")
                  .arg(QString::fromLatin1(cmd))
                  .arg(c.connections)
                  .arg(c.window);
        out << QStringLiteral("%1 %2 %3 %4\n")
                   .arg(name, -56)
                   .arg(c.best, 10, 'f', 0)
                   .arg(baseline, 10, 'f', 0)
                   .arg(ratio, 6, 'f', 2);
    }
    out << (allMet ? QStringLiteral("target >= 0.8 met on every row\n")
                   : QStringLiteral("target >= 0.8 NOT met on every row\n"));
    return 0;
}
