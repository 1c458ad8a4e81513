// Each scenario runs against real servers; everything is read back the way the console
// reads it. Every record type of the contract must be there, the incident must show its
// three symptoms, and in bad-data exactly the records the sim marked bad are rejected.
#include "sim/RecordChecks.h"
#include "sim/SimServers.h"
#include "sim/Simulator.h"

#include <QSet>
#include <QUrl>
#include <QtTest>

#include <hiredis/hiredis.h>

using namespace switchboard;
using namespace switchboard::test;

namespace {
const QByteArray kNs = "agentops:";

struct ReadBack
{
    int good = 0;
    QSet<QByteArray> rejected; // keys (hashes, strings) or stream ids
};

} // namespace

class TestSimScenarios : public QObject
{
    Q_OBJECT

private:
    SimServers m_servers;

    QList<QByteArray> cmd(const QList<QByteArray> &argv)
    {
        QString error;
        const auto out = redisCommand(m_servers.redis().uri(), argv, &error);
        if (!error.isEmpty())
            qWarning() << "redis:" << error;
        return out;
    }

    ReadBack readZsetHashes(const QByteArray &zset, const QByteArray &prefix,
                            QString (*check)(const QList<QByteArray> &))
    {
        ReadBack rb;
        const auto members = cmd({"ZRANGE", kNs + zset, "0", "-1"});
        for (const QByteArray &m : members) {
            const QByteArray key = kNs + prefix + m;
            const auto fields = cmd({"HGETALL", key});
            if (fields.isEmpty())
                continue; // expired
            if (check(fields).isEmpty())
                ++rb.good;
            else
                rb.rejected.insert(key);
        }
        return rb;
    }

    ReadBack readContexts()
    {
        ReadBack rb;
        for (const QByteArray &m : cmd({"ZRANGE", kNs + "sessions", "0", "-1"})) {
            const QByteArray key = kNs + "session:" + m + ":ctx";
            const auto v = cmd({"GET", key});
            if (v.isEmpty() || v.first().isNull())
                continue;
            if (checkContext(v.first()).isEmpty())
                ++rb.good;
            else
                rb.rejected.insert(key);
        }
        return rb;
    }

    ReadBack readStream(const QByteArray &stream, QString (*check)(const QList<QByteArray> &))
    {
        // XRANGE flattens to id, f1, v1, …, id, …: walk it with the raw reply instead.
        ReadBack rb;
        const QUrl url(m_servers.redis().uri());
        redisContext *c = redisConnect("127.0.0.1", url.port());
        const QByteArray key = kNs + stream;
        const char *argv[] = {"XRANGE", key.constData(), "-", "+"};
        auto *r = static_cast<redisReply *>(redisCommandArgv(c, 4, argv, nullptr));
        for (size_t i = 0; r && i < r->elements; ++i) {
            const redisReply *e = r->element[i];
            const QByteArray id(e->element[0]->str, static_cast<qsizetype>(e->element[0]->len));
            QList<QByteArray> flat;
            for (size_t j = 0; j < e->element[1]->elements; ++j)
                flat.append(QByteArray(e->element[1]->element[j]->str,
                                       static_cast<qsizetype>(e->element[1]->element[j]->len)));
            if (check(flat).isEmpty())
                ++rb.good;
            else
                rb.rejected.insert(id);
        }
        if (r)
            freeReplyObject(r);
        redisFree(c);
        return rb;
    }

    qint64 pgCount(const QString &db, const QString &sql)
    {
        bool ok = false;
        const QByteArray out = m_servers.pg().psql(db, sql, &ok).trimmed();
        if (!ok)
            qWarning() << "psql failed:" << sql;
        return ok ? out.toLongLong() : -1;
    }

private slots:
    void initTestCase() { QVERIFY2(m_servers.start(), qPrintable(m_servers.error())); }

    void scenario_data()
    {
        QTest::addColumn<int>("scenario");
        QTest::newRow("calm") << int(sim::Scenario::Calm);
        QTest::newRow("incident") << int(sim::Scenario::Incident);
        QTest::newRow("bad-data") << int(sim::Scenario::BadData);
    }

    void scenario()
    {
        QFETCH(int, scenario);
        const auto sc = static_cast<sim::Scenario>(scenario);
        const QString db = QStringLiteral("scn_")
            + QString::fromLatin1(QTest::currentDataTag())
                  .replace(QLatin1Char('-'), QLatin1Char('_'));
        QVERIFY(m_servers.flushRedis());
        QVERIFY2(m_servers.createDatabase(db), qPrintable(m_servers.error()));

        // Listen for prompt-activated before the run; the message waits in the socket.
        const QUrl url(m_servers.redis().uri());
        redisContext *sub = redisConnect("127.0.0.1", url.port());
        QVERIFY(sub && !sub->err);
        freeReplyObject(
            redisCommand(sub, "SUBSCRIBE %s", QByteArray(kNs + "prompt-activated").constData()));

        sim::SimOptions o;
        o.redisUri = m_servers.redis().uri();
        o.pgDsn = m_servers.pg().dsn(db);
        o.seed = 7;
        o.epochMs = 1795000000000LL;
        o.durationS = sc == sim::Scenario::Incident ? 40 : 20;
        o.incidentAtMs = 10000;
        o.rate = 10;
        o.sessions = 8;
        o.hosts = 2;
        o.fast = true;
        o.quiet = true;
        o.scenario = sc;
        o.bigSession = sc == sim::Scenario::Calm ? 3000 : 0;
        sim::Simulator s(o);
        const int rc = s.run();
        QVERIFY2(rc == 0, qPrintable(s.error()));

        const ReadBack procs = readZsetHashes("procs", "proc:", checkProc);
        const ReadBack sessions = readZsetHashes("sessions", "session:", checkSession);
        const ReadBack contexts = readContexts();
        const ReadBack events = readStream("events", checkEvent);
        const ReadBack procEvents = readStream("proc-events", checkProcEvent);
        QVERIFY(procs.good >= 2 * 9);
        QVERIFY(sessions.good >= 8);
        QVERIFY(contexts.good >= 8);
        QVERIFY(events.good > 0);
        QVERIFY(procEvents.good > 0);
        int prompts = 0;
        for (const char *agent :
             {"support-agent", "billing-agent", "research-agent", "voice-agent"}) {
            const auto f = cmd({"HGETALL", kNs + "prompt:" + agent});
            QVERIFY2(!f.isEmpty() && checkActivePrompt(f).isEmpty(), agent);
            ++prompts;
        }
        QCOMPARE(prompts, 4);

        // Postgres: every table has rows, spans form trees, events point at spans.
        for (const char *table : {"spans", "sessions", "recovery_events", "process_events",
                                  "prompt_versions", "prompt_deployments", "prompt_notifications"})
            QVERIFY2(
                pgCount(db, QStringLiteral("SELECT count(*) FROM agentops.") + QLatin1String(table))
                    > 0,
                table);
        // Postgres rows parse with the contract types, as the trace and history views read them.
        for (const char *table : {"spans", "sessions", "recovery_events", "process_events",
                                  "prompt_versions", "prompt_deployments"}) {
            int rows = 0;
            const QStringList bad = checkPgRows(o.pgDsn, QLatin1String(table), 3000, &rows);
            QVERIFY2(rows > 0, table);
            QVERIFY2(bad.isEmpty(),
                     qPrintable(QLatin1String(table) + QStringLiteral(": ") + bad.value(0)));
        }
        if (sc == sim::Scenario::Calm)
            QVERIFY(pgCount(db,
                            QStringLiteral("SELECT max(n) FROM (SELECT count(*) n FROM "
                                           "agentops.spans GROUP BY session_id) x"))
                    >= 3000);
        QCOMPARE(
            pgCount(db,
                    QStringLiteral(
                        "SELECT count(DISTINCT kind) FROM agentops.spans WHERE kind IN "
                        "('turn','prompt','llm','tool','retrieval','summarize','retry','output')")),
            8);
        QCOMPARE(
            pgCount(db,
                    QStringLiteral("SELECT count(*) FROM agentops.recovery_events r LEFT JOIN "
                                   "agentops.spans s USING (span_id) WHERE s.span_id IS NULL")),
            0);
        QCOMPARE(pgCount(db,
                         QStringLiteral("SELECT count(*) FROM agentops.spans c JOIN agentops.spans "
                                        "p ON p.span_id = c.parent_id WHERE NOT (c.path LIKE "
                                        "p.path || '.%') OR c.depth <> p.depth + 1")),
                 0);
        QCOMPARE(pgCount(db,
                         QStringLiteral("SELECT count(*) FROM agentops.spans WHERE parent_id IS "
                                        "NULL AND subtree_tokens < coalesce(input_tokens,0)")),
                 0);
        QCOMPARE(pgCount(db,
                         QStringLiteral("SELECT count(*) FROM agentops.recovery_events r WHERE "
                                        "stream_id IS NULL OR stream_id = ''")),
                 0);
        QVERIFY(pgCount(db,
                        QStringLiteral(
                            "SELECT count(*) FROM agentops.spans WHERE output_bytes > 100000"))
                > 0);
        QVERIFY(pgCount(db,
                        QStringLiteral("SELECT count(*) FROM agentops.spans WHERE first_token_at "
                                       "IS NOT NULL AND kind = 'llm'"))
                > 0);

        const QSet<QByteArray> rejected = procs.rejected + sessions.rejected + contexts.rejected;
        const QSet<QByteArray> rejectedIds = events.rejected + procEvents.rejected;
        if (sc != sim::Scenario::BadData) {
            QVERIFY2(rejected.isEmpty() && rejectedIds.isEmpty(),
                     "a good run produced records the checks reject");
            QVERIFY(s.badRecords().empty());
        } else {
            QSet<QByteArray> markedKeys, markedIds;
            for (const sim::BadRecord &b : s.badRecords()) {
                if (b.id.empty())
                    markedKeys.insert(QByteArray::fromStdString(b.key));
                else
                    markedIds.insert(QByteArray::fromStdString(b.id));
            }
            QVERIFY(markedKeys.size() >= 5);
            QVERIFY(markedIds.size() >= 3);
            auto describe = [&](const QSet<QByteArray> &set) {
                QByteArray out;
                for (const QByteArray &k : set) {
                    out += k.left(80).toPercentEncoding(" :-") + " [";
                    for (const sim::BadRecord &b : s.badRecords())
                        if (QByteArray::fromStdString(b.key) == k
                            || QByteArray::fromStdString(b.id) == k)
                            out += QByteArray::fromStdString(b.reason);
                    out += "]\n";
                }
                return out;
            };
            const QByteArray extraKeys = describe(rejected - markedKeys),
                             missedKeys = describe(markedKeys - rejected);
            const QByteArray extraIds = describe(rejectedIds - markedIds),
                             missedIds = describe(markedIds - rejectedIds);
            QVERIFY2(extraKeys.isEmpty(),
                     QByteArray("rejected but not marked bad:\n" + extraKeys).constData());
            QVERIFY2(missedKeys.isEmpty(),
                     QByteArray("marked bad but accepted:\n" + missedKeys).constData());
            QVERIFY2(extraIds.isEmpty(),
                     QByteArray("rejected but not marked bad:\n" + extraIds).constData());
            QVERIFY2(missedIds.isEmpty(),
                     QByteArray("marked bad but accepted:\n" + missedIds).constData());
        }

        if (sc == sim::Scenario::Incident) {
            QVERIFY(s.stats().incidentAtMs == o.epochMs + o.incidentAtMs);
            const QString at
                = QStringLiteral("to_timestamp(%1 / 1000.0)").arg(s.stats().incidentAtMs);
            const qint64 before
                = pgCount(db,
                          QStringLiteral("SELECT count(*) FROM agentops.recovery_events WHERE "
                                         "agent='support-agent' AND kind='invalid_json' AND at < ")
                              + at);
            const qint64 after
                = pgCount(db,
                          QStringLiteral("SELECT count(*) FROM agentops.recovery_events WHERE "
                                         "agent='support-agent' AND kind='invalid_json' AND at >= ")
                              + at);
            const qint64 failedAfter
                = pgCount(db,
                          QStringLiteral("SELECT count(*) FROM agentops.recovery_events WHERE "
                                         "outcome='failed' AND at >= ")
                              + at);
            qInfo() << "invalid_json before/after deploy:" << before << after
                    << "failed after:" << failedAfter;
            QVERIFY(after >= 3 * std::max<qint64>(1, before));
            QVERIFY(failedAfter > 0);
            QVERIFY(pgCount(db,
                            QStringLiteral("SELECT count(*) FROM agentops.recovery_events WHERE "
                                           "agent='research-agent' AND kind='context_overflow'"))
                    >= 3);
            const auto crash = cmd({"HGETALL", kNs + "proc:agent-host-01:tool-runner:7"});
            const qsizetype i = crash.indexOf("restarts");
            QVERIFY(i >= 0);
            QVERIFY2(crash.at(i + 1).toInt() >= 5, crash.at(i + 1).constData());
            QVERIFY(pgCount(db,
                            QStringLiteral(
                                "SELECT count(*) FROM agentops.process_events WHERE "
                                "host='agent-host-01' AND app='tool-runner' AND event='exit'"))
                    >= 5);
            void *reply = nullptr;
            QCOMPARE(redisGetReply(sub, &reply), REDIS_OK);
            auto *r = static_cast<redisReply *>(reply);
            QVERIFY(r && r->type == REDIS_REPLY_ARRAY && r->elements == 3);
            QVERIFY(QByteArray(r->element[2]->str).contains("\"support-agent\""));
            freeReplyObject(r);
        }
        redisFree(sub);
    }

    // --ended-ttl: an ended session's hash and ctx expire after it (the soak shortens it so
    // the number of sessions is steady); live ones keep the contract's hour; 0 is refused.
    void endedTtl()
    {
        sim::SimOptions parsed;
        QString error;
        QVERIFY(!sim::SimOptions::parse({QStringLiteral("sim"), QStringLiteral("--redis"),
                                         QStringLiteral("redis://x"), QStringLiteral("--ended-ttl"),
                                         QStringLiteral("0")},
                                        &parsed, &error));
        QVERIFY2(error.contains(QStringLiteral("ended-ttl")), qPrintable(error));
        QVERIFY(sim::SimOptions::parse({QStringLiteral("sim"), QStringLiteral("--redis"),
                                        QStringLiteral("redis://x"), QStringLiteral("--ended-ttl"),
                                        QStringLiteral("45")},
                                       &parsed, &error));
        QCOMPARE(parsed.endedTtlMs, 45000);

        QVERIFY(m_servers.flushRedis());
        sim::SimOptions o;
        o.redisUri = m_servers.redis().uri();
        o.seed = 11;
        o.durationS = 120;
        o.rate = 10;
        o.sessions = 4;
        o.hosts = 1;
        o.fast = true;
        o.quiet = true;
        o.endedTtlMs = 45000;
        sim::Simulator s(o);
        QVERIFY2(s.run() == 0, qPrintable(s.error()));
        int ended = 0, live = 0;
        for (const QByteArray &m : cmd({"ZRANGE", kNs + "sessions", "0", "-1"})) {
            const QByteArray key = kNs + "session:" + m;
            const QList<QByteArray> state = cmd({"HGET", key, "state"});
            if (state.isEmpty() || state.first().isNull())
                continue; // expired
            const qint64 ttl = cmd({"PTTL", key}).value(0).toLongLong();
            const qint64 ctxTtl = cmd({"PTTL", key + ":ctx"}).value(0).toLongLong();
            if (state.first() == "ended") {
                ++ended;
                QVERIFY2(ttl > 0 && ttl <= 45000, m.constData());
                QVERIFY2(ctxTtl <= 45000, m.constData());
            } else {
                ++live;
                QVERIFY2(ttl > 45000, m.constData());
            }
        }
        qInfo() << "ended" << ended << "live" << live;
        QVERIFY(ended > 0);
        QVERIFY(live > 0);
    }
};

QTEST_GUILESS_MAIN(TestSimScenarios)
#include "tst_sim_scenarios.moc"
