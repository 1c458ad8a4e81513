// The prompts view's two heavy paths, each next to a baseline measured in the same run:
//  - showing an agent's history (first page of versions and of deployments, through PgPool,
//    the parsers and the models) vs the same two queries timed by psql (\timing);
//    and walking all 50 000 deployments by keyset pages (growing: 500, 2 000, 8 000, …) vs
//    psql reading the same rows and columns in one unbounded query;
//  - diffing two 200 KB versions (line + word level) vs `diff -u` on the same files.
#include "core/pg/PgPool.h"
#include "core/services/PromptCatalog.h"
#include "core/services/PromptQueries.h"
#include "core/util/TextDiff.h"
#include "harness/BenchServers.h"
#include "harness/BenchTable.h"
#include "models/PromptDeploymentModel.h"
#include "models/PromptVersionModel.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>

using namespace switchboard;
using namespace switchboard::bench;

namespace {

constexpr int kVersions = 5000;
constexpr int kDeployments = 50000;
constexpr int kRuns = 15;

double median(QVector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.isEmpty() ? 0 : v.at(v.size() / 2);
}

QString seedSql()
{
    return QStringLiteral(
               "INSERT INTO agentops.prompt_versions (agent, version, body, model, params, "
               "created_at, created_by, note, eval_suite, eval_score, eval_passed) "
               "SELECT 'bench', g, repeat('You are the bench agent, version ' || g || E'.\\n', "
               "20), "
               "'model-' || (g % 7), jsonb_build_object('temperature', (g % 10) / 10.0), "
               "now() - (%1 - g) * interval '1 hour', 'author', 'note ' || g, 'golden', "
               "(g % 100) / 100.0, g % 9 <> 0 FROM generate_series(1, %1) g;"
               "INSERT INTO agentops.prompt_deployments (id, agent, version, deployed_at, "
               "deployed_by, kind, reason, previous_version, previous_deployment_id) "
               "SELECT g, 'bench', 1 + (g * 7919) % %1, now() - (%2 - g) * interval '1 minute', "
               "'deployer', CASE WHEN g % 10 = 0 THEN 'rollback' ELSE 'deploy' END, "
               "CASE WHEN g % 10 = 0 THEN 'bench rollback ' || g END, "
               "CASE WHEN g > 1 THEN 1 + ((g - 1) * 7919) % %1 END, NULLIF(g - 1, 0) "
               "FROM generate_series(1, %2) g;"
               "SELECT setval('agentops.prompt_deployments_id_seq', %2);"
               "INSERT INTO agentops.prompt_notifications (deployment_id, notified_by) "
               "SELECT g, 'deployer' FROM generate_series(1, %2) g;"
               "INSERT INTO agentops.recovery_events (at, session_id, agent, kind, recoverable, "
               "strategy, outcome, attempt) SELECT now() - g * interval '1 second', 's' || g, "
               "'bench', 'tool_error', true, 'retry', CASE WHEN g % 5 = 0 THEN 'failed' ELSE "
               "'recovered' END, 1 FROM generate_series(1, 200000) g;"
               "ANALYZE;")
        .arg(kVersions)
        .arg(kDeployments);
}

// psql's own \timing of each statement, summed (server execution + transfer to psql). The
// queries run twice in one session and only the second round counts: a fresh backend's cold
// catalog caches are not what the console's pooled connections see.
double psqlTiming(const QString &dsn, const QStringList &queries, bool *ok)
{
    QStringList args {dsn,
                      QStringLiteral("-X"),
                      QStringLiteral("-At"),
                      QStringLiteral("-o"),
                      QStringLiteral("/dev/null"),
                      QStringLiteral("-c"),
                      QStringLiteral("\\timing on")};
    for (int round = 0; round < 2; ++round)
        for (const QString &q : queries)
            args << QStringLiteral("-c") << q;
    const QByteArray out = runProgram(QStringLiteral("psql"), args, ok);
    double total = 0;
    const QRegularExpression re(QStringLiteral("Time: ([0-9.]+) ms"));
    auto it = re.globalMatch(QString::fromUtf8(out));
    int n = 0;
    while (it.hasNext()) {
        const double ms = it.next().captured(1).toDouble();
        if (n++ >= queries.size())
            total += ms;
    }
    if (n != 2 * queries.size())
        *ok = false;
    return total;
}

QString makeText(QRandomGenerator &rng, int bytes)
{
    static const char *const words[]
        = {"the",       "agent",    "must",   "call",    "tool",  "search", "before",
           "answering", "never",    "invent", "sources", "cite",  "JSON",   "retry",
           "with",      "stricter", "schema", "user",    "policy"};
    QString out;
    while (out.size() < bytes) {
        const int n = 4 + int(rng.bounded(10));
        for (int i = 0; i < n; ++i) {
            out += QLatin1String(words[rng.bounded(int(sizeof(words) / sizeof(*words)))]);
            out += i + 1 < n ? QLatin1Char(' ') : QLatin1Char('\n');
        }
    }
    return out;
}

// A second version: about 3 % of the lines edited, inserted or removed.
QString mutate(QRandomGenerator &rng, const QString &text)
{
    QStringList lines = text.split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        const int r = int(rng.bounded(100));
        if (r == 0)
            lines[i] += QStringLiteral(" and always verify");
        else if (r == 1)
            lines.insert(i++, QStringLiteral("New rule: respond in under 200 words."));
        else if (r == 2)
            lines.removeAt(i--);
    }
    return lines.join(QLatin1Char('\n'));
}

// Runs the event loop until done() holds, checked each time the catalog answers: the
// loop sleeps in poll() and wakes on the worker's result, as the console's event loop does.
// (QTest::qWaitFor sleeps 10 ms between its passes: that sleep, once per wait, was most of
// what this bench used to measure.)
bool runUntil(const PromptCatalog &catalog, const std::function<bool()> &done, int timeoutMs)
{
    if (done())
        return true;
    QEventLoop loop;
    const auto check = [&] {
        if (done())
            loop.quit();
    };
    const QList<QMetaObject::Connection> connections {
        QObject::connect(&catalog, &PromptCatalog::versionsLoaded, &loop, check),
        QObject::connect(&catalog, &PromptCatalog::deploymentsLoaded, &loop, check),
        QObject::connect(&catalog, &PromptCatalog::metricsLoaded, &loop, check),
        QObject::connect(&catalog, &PromptCatalog::failed, &loop, &QEventLoop::quit)};
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    for (const QMetaObject::Connection &c : connections)
        QObject::disconnect(c);
    return done();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    BenchServers servers;
    QString error;
    if (!servers.start(&error) || !servers.createDatabase(QStringLiteral("prompts"), &error)) {
        std::fprintf(stderr, "bench_prompts: %s\n", qPrintable(error));
        return 1;
    }
    const QString dsn = servers.pg().dsn(QStringLiteral("prompts"));
    bool ok = false;
    QElapsedTimer seedTimer;
    seedTimer.start();
    servers.pg().psql(QStringLiteral("prompts"), seedSql(), &ok);
    if (!ok) {
        std::fprintf(stderr, "bench_prompts: seeding failed\n");
        return 1;
    }
    BenchTable table(QStringLiteral("prompt history and diff"));
    table.note(QStringLiteral("%1 versions, %2 deployments, 200 000 recovery events for one agent "
                              "(seeded in %3 ms)")
                   .arg(kVersions)
                   .arg(kDeployments)
                   .arg(seedTimer.elapsed()));

    // --- History: first page of each list, through the catalog into the models.
    PgPool pool(PgConfig(dsn), 2);
    PromptCatalog catalog(&pool);
    PromptVersionModel versions;
    PromptDeploymentModel deployments;
    QObject::connect(&catalog, &PromptCatalog::versionsLoaded, &versions,
                     [&](const QString &, qint64 before, const QVector<PromptVersionRow> &rows,
                         bool more) { versions.setPage(rows, more, before != 0); });
    QObject::connect(&catalog, &PromptCatalog::deploymentsLoaded, &deployments,
                     [&](const QString &, qint64 before, const QVector<PromptDeploymentRow> &rows,
                         bool more) { deployments.setPage(rows, more, before != 0); });
    QVector<double> ours;
    for (int run = 0; run < kRuns; ++run) {
        versions.clear();
        deployments.clear();
        QElapsedTimer t;
        t.start();
        catalog.loadVersions(QStringLiteral("bench"));
        catalog.loadDeployments(QStringLiteral("bench"));
        if (!runUntil(
                catalog, [&] { return versions.rowCount() > 0 && deployments.rowCount() > 0; },
                30000)) {
            std::fprintf(stderr, "bench_prompts: history did not load\n");
            return 1;
        }
        ours.append(double(t.nsecsElapsed()) / 1e6);
    }
    const QString qVersions = QStringLiteral(
        "SELECT agent, version, model, params::text AS params, created_at, created_by, note, "
        "eval_suite, eval_score, eval_passed, octet_length(body) AS body_bytes FROM "
        "agentops.prompt_versions WHERE agent = 'bench' ORDER BY version DESC LIMIT 501");
    // The same rows and columns the catalog reads (PromptQueries), first page + 1.
    const QString deploymentColumns = QStringLiteral(
        "id, agent, version, deployed_at, deployed_by, db_role, kind, reason, previous_version, "
        "previous_deployment_id, notified_at");
    const QString qDeployments = QStringLiteral("SELECT %1 FROM agentops.prompt_deployment_status "
                                                "WHERE agent = 'bench' ORDER BY id DESC LIMIT 501")
                                     .arg(deploymentColumns);
    QVector<double> psqlRuns;
    for (int run = 0; run < 5; ++run)
        psqlRuns.append(psqlTiming(dsn, {qVersions, qDeployments}, &ok));
    if (!ok) {
        std::fprintf(stderr, "bench_prompts: psql baseline failed\n");
        return 1;
    }
    table.add(QStringLiteral("show history: 500 versions + 500 deployments, query+parse+models"),
              median(ours), median(psqlRuns), QStringLiteral("ms"));
    const auto verdict = [](double value, double baseline) {
        return value <= 2 * baseline ? QStringLiteral("PASS") : QStringLiteral("MISS");
    };
    table.note(QStringLiteral("history: %1 (target <= 2x psql)")
                   .arg(verdict(median(ours), median(psqlRuns))));

    // --- The whole deployment timeline by keyset pages vs one psql query.
    QElapsedTimer walk;
    walk.start();
    deployments.clear();
    catalog.loadDeployments(QStringLiteral("bench"));
    QStringList pageSizes;
    QObject::connect(
        &catalog, &PromptCatalog::deploymentsLoaded, &deployments,
        [&](const QString &, qint64, const QVector<PromptDeploymentRow> &rows, bool more) {
            pageSizes << QString::number(rows.size());
            if (more)
                catalog.loadDeployments(QStringLiteral("bench"), deployments.lastId());
        });
    if (!runUntil(
            catalog, [&] { return deployments.rowCount() >= kDeployments; }, 120000)) {
        std::fprintf(stderr, "bench_prompts: full timeline did not load (%d rows)\n",
                     deployments.rowCount());
        return 1;
    }
    const double walkMs = double(walk.nsecsElapsed()) / 1e6;
    const double psqlAll = psqlTiming(dsn,
                                      {QStringLiteral("SELECT %1 FROM "
                                                      "agentops.prompt_deployment_status WHERE "
                                                      "agent = 'bench' ORDER BY id DESC")
                                           .arg(deploymentColumns)},
                                      &ok);
    table.add(QStringLiteral("all 50 000 deployments, %1 keyset pages into the model")
                  .arg(pageSizes.size()),
              walkMs, psqlAll, QStringLiteral("ms"));
    table.note(QStringLiteral("all deployments: %1 (target <= 2x psql); pages of %2 rows")
                   .arg(verdict(walkMs, psqlAll), pageSizes.join(QStringLiteral(", "))));
    table.note(QStringLiteral(
        "baselines: psql runs the catalog's queries (same rows and columns) in autocommit and "
        "\\timing counts server time and transfer only, no parsing; for all deployments it "
        "reads one unbounded query where the console reads bounded keyset pages, each in a "
        "READ ONLY transaction"));

    // --- Recovery rates per version (bounded: the latest 500 intervals).
    QVector<double> metricRuns;
    for (int run = 0; run < 5; ++run) {
        QElapsedTimer t;
        t.start();
        bool done = false;
        QMetaObject::Connection c = QObject::connect(&catalog, &PromptCatalog::metricsLoaded,
                                                     &catalog, [&done] { done = true; });
        catalog.loadMetrics(QStringLiteral("bench"));
        const bool loaded = runUntil(
            catalog, [&] { return done; }, 30000);
        QObject::disconnect(c);
        if (!loaded) {
            std::fprintf(stderr, "bench_prompts: recovery rates did not load\n");
            return 1;
        }
        metricRuns.append(double(t.nsecsElapsed()) / 1e6);
    }
    table.note(QStringLiteral("recovery rates per version over the latest %1 deployments: %2 ms "
                              "(median of 5)")
                   .arg(PromptQueries::kMetricsIntervals)
                   .arg(median(metricRuns), 0, 'f', 1));

    // --- Diff of two 200 KB versions vs diff(1) on the same files.
    QRandomGenerator rng(42);
    const QString a = makeText(rng, 200 * 1024);
    const QString b = mutate(rng, a);
    QTemporaryDir dir;
    QFile fa(dir.filePath(QStringLiteral("a.txt"))), fb(dir.filePath(QStringLiteral("b.txt")));
    if (!fa.open(QIODevice::WriteOnly) || !fb.open(QIODevice::WriteOnly))
        return 1;
    fa.write(a.toUtf8());
    fb.write(b.toUtf8());
    fa.close();
    fb.close();
    QVector<double> diffRuns, toolRuns;
    int changed = 0;
    for (int run = 0; run < 7; ++run) {
        QElapsedTimer t;
        t.start();
        const TextDiffResult r = TextDiff::diff(a, b);
        diffRuns.append(double(t.nsecsElapsed()) / 1e6);
        changed = r.changed + r.added + r.removed;
        t.restart();
        bool diffOk = true;
        runProgram(QStringLiteral("diff"), {QStringLiteral("-u"), fa.fileName(), fb.fileName()},
                   &diffOk);
        toolRuns.append(double(t.nsecsElapsed()) / 1e6);
    }
    QVector<double> spawnRuns; // diff(1) on identical files: its process start alone
    for (int run = 0; run < 7; ++run) {
        QElapsedTimer t;
        t.start();
        bool same = true;
        runProgram(QStringLiteral("diff"), {fa.fileName(), fa.fileName()}, &same);
        spawnRuns.append(double(t.nsecsElapsed()) / 1e6);
    }
    table.add(QStringLiteral("diff two 200 KB versions, lines + words (vs diff -u, process incl.)"),
              median(diffRuns), median(toolRuns), QStringLiteral("ms"));
    table.note(QStringLiteral("diff(1) on two identical 200 KB files (mostly process start): %1 ms")
                   .arg(median(spawnRuns), 0, 'f', 2));
    table.note(QStringLiteral("%1 changed/added/removed lines of %2")
                   .arg(changed)
                   .arg(a.count(QLatin1Char('\n'))));
    table.print();
    return 0;
}
