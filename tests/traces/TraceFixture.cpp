#include "TraceFixture.h"

#include "sim/Simulator.h"

namespace switchboard::test {

QByteArray TraceFixture::scalar(const QString &sql) const
{
    bool ok = false;
    const QByteArray out = pg.psql(db, sql, &ok).trimmed();
    return ok ? out : QByteArray("<error>");
}

bool TraceFixture::start()
{
    if (!pg.start() || !pg.createDatabase(db, true)) {
        error = pg.error();
        return false;
    }
    sim::SimOptions o;
    o.pgDsn = dsn();
    o.seed = 11;
    o.epochMs = 1795000000000LL;
    o.durationS = 120;
    o.incidentAtMs = 20000;
    o.rate = 4;
    o.sessions = 6;
    o.hosts = 2;
    o.fast = true;
    o.quiet = true;
    o.scenario = sim::Scenario::Incident;
    o.bigSession = 1500;
    sim::Simulator s(o);
    if (s.run() != 0) {
        error = QStringLiteral("simulator: ") + s.error();
        return false;
    }
    // The edge session: a turn with a broken-JSON tool output, a 20 MB model output
    // (lines of 100 characters, as logs and documents have), an orphan, and an e-mail
    // address in a payload.
    const QString sql
        = QStringLiteral(
              "INSERT INTO agentops.sessions (session_id, agent, host, started_at, turns, outcome,"
              " had_recovery_events, recovery_event_count, prompt_version)"
              " VALUES ('%1', 'support-agent', 'agent-host-01', '2026-11-20 10:00:00+00', 1, "
              "'failed',"
              " true, 1, 1);"
              "INSERT INTO agentops.spans (span_id, trace_id, parent_id, session_id, turn, kind, "
              "name,"
              " agent, host, started_at, duration_ms, status, path, depth, input, output, attrs,"
              " input_tokens, output_tokens, error, error_type) VALUES"
              " ('edge-root', 't1', NULL, '%1', 0, 'turn', 'turn 0', 'support-agent', "
              "'agent-host-01',"
              "  '2026-11-20 10:00:00+00', 5000, 'error', '20261120T100000000Zedge-root', 0,"
              "  'my mail is %5', 'ok', '{}', NULL, NULL, NULL, NULL),"
              " ('%2', 't1', 'edge-root', '%1', 0, 'tool', 'execute_tool lookup', 'support-agent',"
              "  'agent-host-01', '2026-11-20 10:00:01+00', 300, 'error',"
              "  '20261120T100000000Zedge-root.20261120T100001000Z%2', 1,"
              "  '{\"customer\": \"%5\"}', '{\"reply\": \"trunc', '{\"gen_ai.tool.name\": "
              "\"lookup\"}',"
              "  NULL, NULL, 'model output is not valid JSON', 'invalid_json'),"
              " ('%3', 't1', 'edge-root', '%1', 0, 'llm', 'chat big', 'support-agent',"
              "  'agent-host-01', '2026-11-20 10:00:02+00', 2500, 'ok',"
              "  '20261120T100000000Zedge-root.20261120T100002000Z%3', 1,"
              "  '{\"k\": 1}', repeat(rpad('line of a huge document', 99, '.') || chr(10), %6), "
              "'{}',"
              "  1000, 200, NULL, NULL),"
              " ('%4', 't1', 'edge-missing-parent', '%1', 0, 'tool', 'execute_tool orphaned',"
              "  'support-agent', 'agent-host-01', '2026-11-20 10:00:03+00', 10, 'ok',"
              "  '20261120T100000000Zedge-missing.20261120T100003000Z%4', 1, NULL, NULL, NULL,"
              "  NULL, NULL, NULL, NULL);"
              "INSERT INTO agentops.recovery_events (at, session_id, agent, host, kind, "
              "recoverable,"
              " strategy, outcome, attempt, span_id, message) VALUES ('2026-11-20 10:00:01.3+00', "
              "'%1',"
              " 'support-agent', 'agent-host-01', 'invalid_json', true, 'stricter_prompt_retry',"
              " 'failed', 1, '%2', 'retry failed for %5');"
              "INSERT INTO agentops.process_events (at, host, app, pm_id, event) VALUES"
              " ('2026-11-20 10:01:00+00', 'agent-host-01', 'tool-runner', 7, 'restart');")
              .arg(QLatin1String(kEdgeSession), QLatin1String(kBrokenSpan),
                   QLatin1String(kHugeSpan), QLatin1String(kOrphanSpan), QLatin1String(kEmail))
              .arg(kHugeChars / 100);
    bool ok = false;
    pg.psql(db, sql, &ok);
    if (!ok) {
        error = QStringLiteral("edge session: ") + pg.error();
        return false;
    }
    return true;
}

} // namespace switchboard::test
