// Simulator write throughput against the servers' own bulk paths, in the same run:
//  - recovery events/s into the stream (the sim's pipelined XADD) vs redis-benchmark XADD -P 16
//  - spans/s into Postgres with --backfill vs psql \copy of the very same rows.
#include "harness/BenchServers.h"
#include "harness/BenchTable.h"
#include "sim/ContractEncoder.h"
#include "sim/RedisSink.h"
#include "sim/SimRandom.h"
#include "sim/Simulator.h"
#include "sim/TickContext.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <cstdio>

using namespace switchboard;

namespace {

std::vector<sim::SimRecord> makeRecoveryEvents(std::int64_t n, const sim::ContractEncoder &encoder,
                                               sim::StreamIds &ids, std::int64_t t0,
                                               sim::SimRandom &rng)
{
    static const std::vector<std::string> kinds
        = {"tool_error", "invalid_json", "context_overflow", "model_timeout", "rate_limited"};
    static const std::vector<std::string> strategies
        = {"alternative_tool", "stricter_prompt_retry", "summarize", "fallback_model"};
    std::vector<sim::SimRecord> out;
    out.reserve(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        sim::RecoveryEvent e;
        e.at = t0 + i;
        e.session = "s-" + rng.hex(8) + "-" + rng.hex(4) + "-" + rng.hex(12);
        e.agent = "support-agent";
        e.host = "agent-host-01";
        e.kind = rng.pick(kinds);
        e.strategy = rng.pick(strategies);
        e.outcome = rng.chance(0.8) ? "recovered" : "failed";
        e.traceId = rng.hex(32);
        e.spanId = rng.hex(16);
        e.message = "lookup_order failed: 503; used search_kb instead";
        e.detailJson = "{\"tool\":\"lookup_order\",\"alternative\":\"search_kb\"}";
        sim::SimRecord r;
        r.op = sim::SimRecord::Op::StreamAdd;
        r.key = encoder.recoveryEventsKey();
        r.id = ids.next(r.key, e.at);
        r.maxLen = sim::kStreamMaxLen;
        r.fields = sim::ContractEncoder::recoveryEventFields(e);
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    const std::int64_t events = args.size() > 1 ? args.at(1).toLongLong() : 200000;
    const std::int64_t spans = args.size() > 2 ? args.at(2).toLongLong() : 20000;

    bench::BenchServers servers;
    QString error;
    if (!servers.start(&error) || !servers.createDatabase(QStringLiteral("bench_sim"), &error)
        || !servers.createDatabase(QStringLiteral("bench_copy"), &error)) {
        std::fprintf(stderr, "bench_sim: %s\n", qPrintable(error));
        return 1;
    }
    bench::BenchTable table(QStringLiteral("Simulator write throughput"));

    // 1. Events into the stream: the sim's own path (contract structs -> toFields ->
    // pipelined XADD with explicit ids and MAXLEN ~), generation included.
    {
        sim::RedisSink sink;
        if (!sink.connect(servers.redis().uri(), &error)) {
            std::fprintf(stderr, "bench_sim: %s\n", qPrintable(error));
            return 1;
        }
        const sim::ContractEncoder encoder("agentops:");
        sim::StreamIds ids;
        sim::SimRandom rng(1);
        QElapsedTimer t;
        t.start();
        std::int64_t done = 0;
        while (done < events) {
            const std::int64_t batch = std::min<std::int64_t>(1000, events - done);
            if (!sink.write(makeRecoveryEvents(batch, encoder, ids, 1795000000000LL + done, rng))) {
                std::fprintf(stderr, "bench_sim: Redis write failed\n");
                return 1;
            }
            done += batch;
        }
        const double simRate
            = static_cast<double>(events) / (static_cast<double>(t.nsecsElapsed()) / 1e9);

        // Baseline: redis-benchmark's XADD with the same fields, pipelined 16 deep.
        QStringList rb = {QStringLiteral("-h"),
                          QStringLiteral("127.0.0.1"),
                          QStringLiteral("-p"),
                          QString::number(servers.redis().port()),
                          QStringLiteral("-n"),
                          QString::number(events),
                          QStringLiteral("-P"),
                          QStringLiteral("16"),
                          QStringLiteral("-q"),
                          QStringLiteral("XADD"),
                          QStringLiteral("bench:baseline"),
                          QStringLiteral("MAXLEN"),
                          QStringLiteral("~"),
                          QStringLiteral("100000"),
                          QStringLiteral("*")};
        const auto sample = makeRecoveryEvents(1, encoder, ids, 1795999999999LL, rng).front();
        for (const auto &kv : sample.fields)
            rb << QString::fromStdString(kv.first)
               << QString::fromStdString(kv.second.value_or(std::string()));
        bool ok = false;
        const QByteArray out = bench::runProgram(QStringLiteral("redis-benchmark"), rb, &ok);
        const QRegularExpression re(QStringLiteral("([0-9.]+) requests per second"));
        const auto m = re.match(QString::fromUtf8(out));
        const double baseRate = m.hasMatch() ? m.captured(1).toDouble() : 0;
        table.add(QStringLiteral("recovery events into `events` stream (sim, pipelined XADD)"),
                  simRate, baseRate, QStringLiteral("events/s"));
        table.note(QStringLiteral("events: %1 entries, %2 fields each; baseline `redis-benchmark "
                                  "-n %1 -P 16 XADD … MAXLEN ~ 100000 *` with the same fields")
                       .arg(events)
                       .arg(sample.fields.size()));
    }

    // 2. Spans into Postgres: --backfill (multi-row INSERT through libpqxx) vs \copy.
    {
        sim::SimOptions o;
        o.pgDsn = servers.pg().dsn(QStringLiteral("bench_sim"));
        o.backfill = spans;
        o.seed = 1;
        o.epochMs = 1795000000000LL;
        o.fast = true;
        o.quiet = true;
        sim::Simulator s(o);
        if (s.run() != 0) {
            std::fprintf(stderr, "bench_sim: backfill failed: %s\n", qPrintable(s.error()));
            return 1;
        }
        const double simRate = static_cast<double>(s.stats().spans) / s.stats().seconds;
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("spans.copy"));
        bool ok = false;
        servers.pg().psql(QStringLiteral("bench_sim"),
                          QStringLiteral("\\copy agentops.spans TO '%1'").arg(file), &ok);
        QElapsedTimer t;
        t.start();
        servers.pg().psql(QStringLiteral("bench_copy"),
                          QStringLiteral("\\copy agentops.spans FROM '%1'").arg(file), &ok);
        const double copySeconds = static_cast<double>(t.nsecsElapsed()) / 1e9;
        if (!ok) {
            std::fprintf(stderr, "bench_sim: \\copy failed: %s\n",
                         qPrintable(servers.pg().error()));
            return 1;
        }
        const double baseRate = static_cast<double>(s.stats().spans) / copySeconds;
        const double mb = static_cast<double>(QFileInfo(file).size()) / 1e6;
        table.add(QStringLiteral("spans into agentops.spans (sim --backfill, generation included)"),
                  simRate, baseRate, QStringLiteral("spans/s"));
        table.add(QStringLiteral("span bytes into Postgres"), mb / s.stats().seconds,
                  mb / copySeconds, QStringLiteral("MB/s"));
        table.note(QStringLiteral("spans: %1 spans (%2 MB as COPY text) plus %3 recovery events "
                                  "and the session rows; baseline `psql -c \"\\copy agentops.spans "
                                  "FROM file\"` of the same rows into an empty database")
                       .arg(s.stats().spans)
                       .arg(mb, 0, 'f', 1)
                       .arg(s.stats().recoveryEvents));
    }
    table.print();
    return 0;
}
