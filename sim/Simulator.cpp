#include "sim/Simulator.h"

#include "sim/BadDataInjector.h"
#include "sim/FleetGenerator.h"
#include "sim/PgSink.h"
#include "sim/PromptGenerator.h"
#include "sim/RedisSink.h"
#include "sim/SessionGenerator.h"
#include "sim/SimClock.h"
#include "sim/TextFactory.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>

#include <chrono>
#include <cstdio>
#include <thread>

namespace switchboard::sim {

std::atomic<bool> Simulator::s_stop {false};

void Simulator::requestStop()
{
    s_stop.store(true);
}

Simulator::Simulator(const SimOptions &options)
    : m_options(options)
{ }

int Simulator::run()
{
    s_stop.store(false);
    QElapsedTimer wall;
    wall.start();
    const std::int64_t epoch
        = m_options.epochMs > 0 ? m_options.epochMs : QDateTime::currentMSecsSinceEpoch();
    const std::int64_t tickMs = 100;
    SimClock clock(epoch, tickMs);
    const ContractEncoder encoder(m_options.ns.toStdString());
    const SimRandom root(m_options.seed);
    const TextFactory text;

    RedisSink redis;
    PgSink pg;
    const bool useRedis = !m_options.redisUri.isEmpty() && m_options.backfill == 0;
    const bool usePg = !m_options.pgDsn.isEmpty();
    if (useRedis && !redis.connect(m_options.redisUri, &m_error))
        return 2;
    if (usePg && !pg.connect(m_options.pgDsn, &m_error))
        return 2;
    std::int64_t firstDeployment = 1;
    bool seedPrompts = true;
    if (usePg) {
        firstDeployment = pg.nextDeploymentId(&m_error);
        if (firstDeployment < 0)
            return 2;
        seedPrompts = !pg.hasPromptHistory(&m_error);
        if (!seedPrompts && !m_options.quiet)
            std::fprintf(stderr,
                         "switchboard-sim: prompt history already present; not seeding it again\n");
    }

    std::vector<SimRecord> out;
    StreamIds ids;
    TickContext ctx;
    ctx.options = &m_options;
    ctx.encoder = &encoder;
    ctx.streamIds = &ids;
    ctx.out = &out;
    ctx.tickMs = tickMs;
    bool failed = false;
    ctx.flush = [&]() {
        if (useRedis && !redis.write(out)) {
            m_error = QStringLiteral("Redis write failed: ")
                + QString::fromStdString(redis.errorSamples().back());
            failed = true;
        }
        if (usePg) {
            pg.add(out);
            if (pg.bufferedRows() >= 2000 || pg.bufferedBytes() >= (16u << 20)) {
                if (!pg.flush(&m_error))
                    failed = true;
            }
        }
        out.clear();
    };

    const bool incident = m_options.scenario == Scenario::Incident;
    FleetGenerator fleet(root, m_options.hosts, incident);
    PromptGenerator prompts(root, text, incident, m_options.incidentAtMs, firstDeployment);
    SessionGenerator sessions(root, text, prompts, fleet.hosts(), m_options.scenario);
    BadDataInjector bad(root, m_options.badShare);
    const bool badData = m_options.scenario == Scenario::BadData;

    ctx.nowMs = clock.nowMs();
    std::vector<SimRecord> promptRecords;
    prompts.start(ctx);
    if (!seedPrompts) {
        // Keep only the live hash writes; the table rows are already there.
        std::vector<SimRecord> kept;
        for (SimRecord &r : out)
            if (r.op != SimRecord::Op::PgRow)
                kept.push_back(std::move(r));
        out.swap(kept);
    }
    if (m_options.backfill > 0) {
        // History before the epoch, flat out, Postgres only.
        ctx.nowMs = epoch - 7 * 86400000LL;
        while (sessions.spansWritten() < m_options.backfill && !s_stop.load() && !failed) {
            sessions.turn(ctx, false);
            ctx.nowMs += 250;
            ctx.maybeFlush();
        }
    } else {
        fleet.start(ctx);
    }
    if (m_options.bigSession > 0)
        sessions.bigSession(ctx, m_options.bigSession);
    ctx.flush();

    const auto ticks
        = static_cast<std::int64_t>(m_options.durationS * 1000.0 / static_cast<double>(tickMs));
    while (m_options.backfill == 0 && !failed && !s_stop.load()
           && (ticks == 0 || clock.tick() < ticks)) {
        ctx.nowMs = clock.nowMs();
        ctx.elapsedMs = clock.elapsedMs();
        fleet.tick(ctx);
        const bool wasDeployed = prompts.incidentDeployed();
        prompts.tick(ctx);
        if (!wasDeployed && prompts.incidentDeployed())
            m_stats.incidentAtMs = ctx.nowMs;
        sessions.tick(ctx);
        if (clock.tick() % 600 == 0) {
            // The writers' share of retention (docs/contract.md): prune zset members
            // older than 24 h, once a virtual minute.
            for (const std::string &key : {encoder.sessionsKey(), encoder.procsKey()}) {
                SimRecord z;
                z.op = SimRecord::Op::ZRemBelow;
                z.key = key;
                z.score = static_cast<double>(ctx.nowMs - kZsetHorizonMs);
                ctx.put(std::move(z));
            }
        }
        if (badData)
            bad.apply(ctx);
        ctx.flush();
        if (usePg && clock.tick() % 10 == 9 && !pg.flush(&m_error))
            failed = true;
        clock.advance();
        if (!m_options.fast) {
            const std::int64_t ahead = clock.elapsedMs() - wall.elapsed();
            if (ahead > 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(ahead));
        }
    }
    if (usePg && !failed && !pg.flush(&m_error))
        failed = true;

    m_bad = bad.bad();
    m_stats.ticks = clock.tick();
    m_stats.redisCommands = redis.commands();
    m_stats.streamEntries = redis.streamEntries();
    m_stats.redisErrors = redis.errors();
    m_stats.pgRows = pg.rowsWritten();
    m_stats.spans = sessions.spansWritten();
    m_stats.recoveryEvents = sessions.eventsWritten();
    m_stats.seconds = static_cast<double>(wall.nsecsElapsed()) / 1e9;
    if (!m_options.badManifest.isEmpty()) {
        QFile f(m_options.badManifest);
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            for (const BadRecord &b : m_bad) {
                // Keys may hold binary bytes: write them percent-encoded.
                f.write(QByteArray::fromStdString(b.type) + '\t'
                        + QByteArray::fromStdString(b.key).toPercentEncoding() + '\t'
                        + QByteArray::fromStdString(b.id) + '\t'
                        + QByteArray::fromStdString(b.reason) + '\n');
            }
        }
    }
    if (redis.errors() > 0 && m_error.isEmpty())
        m_error = QStringLiteral("%1 Redis commands failed, e.g. ").arg(redis.errors())
            + QString::fromStdString(redis.errorSamples().front());
    return failed ? 1 : (redis.errors() > 0 ? 3 : 0);
}

} // namespace switchboard::sim
