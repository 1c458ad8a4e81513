#pragma once
// Postgres reads behind the events views, as plain functions to run on a PgPool worker
// (read-only transaction, statement_timeout set by the pool): a keyset page of
// agentops.recovery_events, newest first, and the prompt deployments in a time range
// for the chart's markers. Only the columns the views show are selected (no detail).
#include "core/types/EventHistoryPage.h"
#include "core/types/RecoveryEventRateBuckets.h"

#include <QMap>
#include <QVector>

namespace pqxx {
class transaction_base;
}

namespace switchboard {

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
