#pragma once
// The SQL of the prompts view, as blocking functions over a transaction: PromptCatalog runs
// them on PgPool workers, the rollback command and the benchmark call the same code. Every
// list is keyset-paged (never OFFSET) and bounded; bodies are read only one at a time.
#include "core/services/PromptSnapshots.h"

#include <pqxx/pqxx>

namespace switchboard {

class RecordFields;

class PromptQueries
{
public:
    static constexpr int kAgentLimit = 1000;
    static constexpr int kMetricsIntervals = 500; // most recent deployments counted

    // Agents that have versions or deployments, each with its latest deployment.
    static QVector<PromptAgentRow> agents(pqxx::transaction_base &tx);
    // Versions of an agent, newest first, those below beforeVersion (0 = from the top).
    static QVector<PromptVersionRow> versions(pqxx::transaction_base &tx, const QString &agent,
                                              qint64 beforeVersion, int limit);
    // Deployments of an agent, newest first, ids below beforeId (0 = from the top).
    static QVector<PromptDeploymentRow>
    deployments(pqxx::transaction_base &tx, const QString &agent, qint64 beforeId, int limit);
    // The latest deployment of an agent, if any.
    static std::optional<PromptDeploymentRow> latestDeployment(pqxx::transaction_base &tx,
                                                               const QString &agent);
    static PromptVersionDetail version(pqxx::transaction_base &tx, const QString &agent,
                                       qint64 version);
    static QVector<PromptVersionMetrics> metrics(pqxx::transaction_base &tx, const QString &agent);
    static PromptPermissions permissions(pqxx::transaction_base &tx);
    // The latest deployment of each agent that agents were never told about.
    static QVector<PromptDeploymentRow> unnotified(pqxx::transaction_base &tx);

    // A row read as text: column name -> value or NULL. The names and values point into
    // the row's result: parse them while the result is alive, keep no QByteArray of them.
    static RecordFields fieldsOf(const pqxx::row &row);
    static PromptDeploymentRow deploymentOf(const pqxx::row &row);
};

} // namespace switchboard
