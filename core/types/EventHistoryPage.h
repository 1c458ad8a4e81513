#pragma once
// What the events history reads hand over (core/services/RecoveryEventHistory, on a PgPool
// worker): a range and filters asked for, a keyset page of parsed rows, the cursor to the
// next page, and the prompt deployments marked on the chart. Plain types, no I/O.
#include "core/types/RecoveryEventRow.h"

#include <QMetaType>
#include <QString>

#include <vector>

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

} // namespace switchboard
