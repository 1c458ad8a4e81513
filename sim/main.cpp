// switchboard-sim: writes a realistic, reproducible agent fleet into Redis and Postgres.
#include "sim/Simulator.h"

#include <QCoreApplication>

#include <csignal>
#include <cstdio>

using namespace switchboard::sim;

namespace {
void onSignal(int)
{
    Simulator::requestStop();
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    SimOptions options;
    QString error;
    if (!SimOptions::parse(QCoreApplication::arguments(), &options, &error)) {
        std::fprintf(stderr, "%s\n", error.toLocal8Bit().constData());
        return 64;
    }
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    if (!options.quiet)
        std::fprintf(
            stderr,
            "switchboard-sim: scenario %s, seed %llu, %d hosts, %d sessions, %.1f turns/s%s\n",
            scenarioName(options.scenario), static_cast<unsigned long long>(options.seed),
            options.hosts, options.sessions, options.rate, options.fast ? " (fast)" : "");
    Simulator sim(options);
    const int rc = sim.run();
    const SimStats &s = sim.stats();
    if (!options.quiet || rc != 0)
        std::fprintf(
            stderr,
            "switchboard-sim: %lld ticks, %lld spans, %lld recovery events, %lld stream entries, "
            "%lld Redis commands, %lld Postgres rows, %zu bad records, %.2f s%s%s\n",
            static_cast<long long>(s.ticks), static_cast<long long>(s.spans),
            static_cast<long long>(s.recoveryEvents), static_cast<long long>(s.streamEntries),
            static_cast<long long>(s.redisCommands), static_cast<long long>(s.pgRows),
            sim.badRecords().size(), s.seconds,
            sim.error().isEmpty() ? "" : "\nerror: ", sim.error().toLocal8Bit().constData());
    return rc;
}
