#pragma once
// Shared by the prompt tests: a real Postgres + Redis, a migrated database per test case
// and the rows a prompt history needs, written with psql as the superuser.
#include "support/PostgresServer.h"
#include "support/RedisServer.h"

#include <QString>

namespace switchboard::test {

// Versions 1..count of agent, version v passes its evaluation unless listed in failing;
// then deployments 1, 2, …, count in order (so count is active, deployed by "deployer").
inline QString promptHistorySql(const QString &agent, int count, const QList<int> &failing = {})
{
    QString sql;
    for (int v = 1; v <= count; ++v) {
        sql += QStringLiteral("INSERT INTO agentops.prompt_versions (agent, version, body, model, "
                              "params, created_by, note, eval_suite, eval_score, eval_passed) "
                              "VALUES ('%1', %2, 'You are %1, version %2.\nBe brief.', "
                              "'model-%2', '{\"temperature\": 0.%2}', 'author', 'v%2', 'golden', "
                              "0.9, %3);")
                   .arg(agent)
                   .arg(v)
                   .arg(failing.contains(v) ? QStringLiteral("false") : QStringLiteral("true"));
    }
    for (int v = 1; v <= count; ++v)
        sql += QStringLiteral("INSERT INTO agentops.prompt_deployments (agent, version, "
                              "deployed_by, kind, previous_version, previous_deployment_id) "
                              "SELECT '%1', %2, 'deployer', 'deploy', max(version), max(id) "
                              "FROM agentops.prompt_deployments WHERE agent = '%1' "
                              "AND id = (SELECT max(id) FROM agentops.prompt_deployments "
                              "WHERE agent = '%1');")
                   .arg(agent)
                   .arg(v);
    return sql;
}

} // namespace switchboard::test
