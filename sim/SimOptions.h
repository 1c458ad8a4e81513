#pragma once
// Command-line options of switchboard-sim (also filled directly by tests and benchmarks).
#include <QString>
#include <QStringList>

#include <cstdint>

namespace switchboard::sim {

enum class Scenario { Calm, Incident, BadData };

struct SimOptions
{
    QString redisUri; // redis://host:port[/db]; empty = no Redis writes
    QString pgDsn; // libpq DSN; empty = no Postgres writes
    QString ns = QStringLiteral("agentops:");
    std::uint64_t seed = 1;
    double rate = 2.0; // turns per virtual second, whole fleet
    int sessions = 20; // live sessions kept going
    int hosts = 3;
    double durationS = 0; // virtual seconds; 0 = until SIGINT/SIGTERM
    Scenario scenario = Scenario::Calm;
    std::int64_t backfill = 0; // spans written flat out into Postgres, then exit
    std::int64_t bigSession = 0; // one extra session with this many spans
    std::int64_t epochMs = 0; // virtual start; 0 = wall clock at start
    bool fast = false; // do not pace ticks to the wall clock
    double badShare = 0.05; // bad-data: share of malformed Redis records
    std::int64_t endedTtlMs = 60 * 60 * 1000; // how long an ended session's hash and ctx stay
    std::int64_t incidentAtMs = 60000; // incident: virtual ms after start of the bad deploy
    QString badManifest; // bad-data: write "type\tkey\tid\treason" lines here
    bool quiet = false;

    // Parses argv; on error returns false and fills *error (usage text included).
    static bool parse(const QStringList &args, SimOptions *out, QString *error);
};

const char *scenarioName(Scenario s);

} // namespace switchboard::sim
