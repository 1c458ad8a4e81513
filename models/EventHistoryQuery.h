#pragma once
// Postgres reads behind the events views, as plain functions to run on a PgPool worker
// (read-only transaction, statement_timeout set by the pool): a keyset page of
// agentops.recovery_events, newest first, and the prompt deployments in a time range
// for the chart's markers. Only the columns the views show are selected (no detail).
#include "models/RecoveryEventRateBuckets.h"
#include "models/RecoveryEventRow.h"

#include <QMap>
#include <QString>
#include <QVector>

#include <vector>

namespace pqxx {
class transaction_base;
}

namespace switchboard {

struct EventHistoryFilter
{
    qint64 fromMs = 0; // inclusive
    qint64 toMs = 0; // exclusive
    QString kind; // contract text, empty = any
    QString agent;
    QString session;
    QString outcome; // contract text, empty = any
};

// The (at, id) of the last row of a page: the next page starts strictly after it.
struct EventHistoryCursor
{
    QString at; // timestamptz as text: exact, no rounding to ms
    qint64 id = 0;
    bool isNull() const { return id == 0; }
};

struct EventHistoryPage
{
    std::vector<RecoveryEventRow> rows;
    EventHistoryCursor next; // null when this was the last page
};

struct DeploymentMarker
{
    QString agent;
    qint64 version = 0;
    qint64 atMs = 0;
    QString kind; // deploy | rollback
};

namespace eventhistory {
EventHistoryPage fetchPage(pqxx::transaction_base &tx, const EventHistoryFilter &filter,
                           const EventHistoryCursor &after, int limit);
// Events per bucket (bucketMs wide, keyed by bucket start ms) and kind over the range.
QMap<qint64, RecoveryEventRateBuckets::Counts>
fetchRates(pqxx::transaction_base &tx, const EventHistoryFilter &filter, qint64 bucketMs);
QVector<DeploymentMarker> fetchDeployments(pqxx::transaction_base &tx, qint64 fromMs, qint64 toMs,
                                           int limit = 500);
} // namespace eventhistory

} // namespace switchboard
