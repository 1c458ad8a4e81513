#include "sim/SimOptions.h"

#include <QCommandLineParser>

namespace switchboard::sim {

namespace {
constexpr std::int64_t kMaxEndedTtlMs = 24LL * 3600 * 1000; // the zset horizon
}

const char *scenarioName(Scenario s)
{
    switch (s) {
    case Scenario::Calm:
        return "calm";
    case Scenario::Incident:
        return "incident";
    case Scenario::BadData:
        return "bad-data";
    }
    return "calm";
}

bool SimOptions::parse(const QStringList &args, SimOptions *out, QString *error)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Switchboard fleet simulator: writes what agents write (docs/contract.md)."));
    p.addHelpOption();
    const QCommandLineOption redis(QStringLiteral("redis"),
                                   QStringLiteral("Redis URI (redis://127.0.0.1:6379/0)."),
                                   QStringLiteral("uri"));
    const QCommandLineOption pg(QStringLiteral("pg"), QStringLiteral("Postgres DSN."),
                                QStringLiteral("dsn"));
    const QCommandLineOption ns(QStringLiteral("namespace"), QStringLiteral("Redis key namespace."),
                                QStringLiteral("ns"), QStringLiteral("agentops:"));
    const QCommandLineOption seed(QStringLiteral("seed"),
                                  QStringLiteral("Random seed: the same seed and --epoch give "
                                                 "the same records, byte for byte."),
                                  QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption rate(QStringLiteral("rate"),
                                  QStringLiteral("Turns per second (fleet)."), QStringLiteral("r"),
                                  QStringLiteral("2"));
    const QCommandLineOption sessions(QStringLiteral("sessions"), QStringLiteral("Live sessions."),
                                      QStringLiteral("n"), QStringLiteral("20"));
    const QCommandLineOption hosts(QStringLiteral("hosts"), QStringLiteral("Hosts."),
                                   QStringLiteral("n"), QStringLiteral("3"));
    const QCommandLineOption duration(
        QStringLiteral("duration"),
        QStringLiteral("Virtual seconds to run; 0 = until SIGINT/SIGTERM."), QStringLiteral("s"),
        QStringLiteral("0"));
    const QCommandLineOption scenario(QStringLiteral("scenario"),
                                      QStringLiteral("calm | incident | bad-data."),
                                      QStringLiteral("name"), QStringLiteral("calm"));
    const QCommandLineOption backfill(
        QStringLiteral("backfill"),
        QStringLiteral("Write N spans flat out into Postgres, then exit."), QStringLiteral("n"),
        QStringLiteral("0"));
    const QCommandLineOption big(QStringLiteral("big-session"),
                                 QStringLiteral("Also write one session with N spans."),
                                 QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption epoch(QStringLiteral("epoch"),
                                   QStringLiteral("Virtual start time, Unix ms (default: now, so "
                                                  "live views see fresh data; set it to pin "
                                                  "the output)."),
                                   QStringLiteral("ms"), QStringLiteral("0"));
    const QCommandLineOption fast(QStringLiteral("fast"),
                                  QStringLiteral("Do not pace to the wall clock."));
    const QCommandLineOption badShare(QStringLiteral("bad-share"),
                                      QStringLiteral("bad-data: share of malformed records."),
                                      QStringLiteral("p"), QStringLiteral("0.05"));
    const QCommandLineOption manifest(
        QStringLiteral("bad-manifest"),
        QStringLiteral("bad-data: file listing the malformed records."), QStringLiteral("file"));
    const QCommandLineOption endedTtl(
        QStringLiteral("ended-ttl"),
        QStringLiteral("Seconds an ended session's hash and context stay (the contract's 1 h by "
                       "default; the soak shortens it so the number of sessions is steady)."),
        QStringLiteral("s"), QStringLiteral("3600"));
    const QCommandLineOption quiet(QStringLiteral("quiet"), QStringLiteral("Only errors."));
    p.addOptions({redis, pg, ns, seed, rate, sessions, hosts, duration, scenario, backfill, big,
                  epoch, fast, badShare, manifest, endedTtl, quiet});
    if (!p.parse(args)) {
        *error = p.errorText() + QLatin1Char('\n') + p.helpText();
        return false;
    }
    if (p.isSet(QStringLiteral("help"))) {
        *error = p.helpText();
        return false;
    }
    SimOptions o;
    bool ok = true;
    auto need = [&](bool good, const QString &what) {
        if (!good && ok) {
            ok = false;
            *error = QStringLiteral("bad value for --") + what;
        }
    };
    bool g = false;
    o.redisUri = p.value(redis);
    o.pgDsn = p.value(pg);
    o.ns = p.value(ns);
    o.seed = p.value(seed).toULongLong(&g);
    need(g, QStringLiteral("seed"));
    o.rate = p.value(rate).toDouble(&g);
    need(g && o.rate > 0, QStringLiteral("rate"));
    o.sessions = p.value(sessions).toInt(&g);
    need(g && o.sessions > 0, QStringLiteral("sessions"));
    o.hosts = p.value(hosts).toInt(&g);
    need(g && o.hosts > 0, QStringLiteral("hosts"));
    o.durationS = p.value(duration).toDouble(&g);
    need(g && o.durationS >= 0, QStringLiteral("duration"));
    o.backfill = p.value(backfill).toLongLong(&g);
    need(g && o.backfill >= 0, QStringLiteral("backfill"));
    o.bigSession = p.value(big).toLongLong(&g);
    need(g && o.bigSession >= 0, QStringLiteral("big-session"));
    o.endedTtlMs = p.value(endedTtl).toLongLong(&g) * 1000;
    need(g && o.endedTtlMs > 0 && o.endedTtlMs <= kMaxEndedTtlMs, QStringLiteral("ended-ttl"));
    o.epochMs = p.value(epoch).toLongLong(&g);
    need(g && o.epochMs >= 0, QStringLiteral("epoch"));
    o.badShare = p.value(badShare).toDouble(&g);
    need(g && o.badShare >= 0 && o.badShare <= 1, QStringLiteral("bad-share"));
    o.fast = p.isSet(fast);
    o.quiet = p.isSet(quiet);
    o.badManifest = p.value(manifest);
    const QString sc = p.value(scenario);
    if (sc == QLatin1String("calm"))
        o.scenario = Scenario::Calm;
    else if (sc == QLatin1String("incident"))
        o.scenario = Scenario::Incident;
    else if (sc == QLatin1String("bad-data"))
        o.scenario = Scenario::BadData;
    else
        need(false, QStringLiteral("scenario (calm | incident | bad-data)"));
    if (ok && o.redisUri.isEmpty() && o.pgDsn.isEmpty())
        need(false, QStringLiteral("redis / --pg: give at least one"));
    if (ok)
        *out = o;
    return ok;
}

} // namespace switchboard::sim
