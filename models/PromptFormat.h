#pragma once
// Display text shared by the prompt models: relative times, sizes, rates, and the status a
// row shows (by a shape-coded icon and text; the widgets layer turns it into an icon).
#include "core/services/PromptSnapshots.h"

#include <QString>
#include <Qt>

namespace switchboard {

enum class PromptRowStatus { None, Ok, Warning, Error, Idle };

namespace promptroles {
constexpr int Status = Qt::UserRole + 1; // int(PromptRowStatus)
constexpr int SortKey = Qt::UserRole + 2; // a number or text that sorts right
constexpr int Problem = Qt::UserRole + 3; // non-empty on a bad row
} // namespace promptroles

namespace promptformat {
QString relative(qint64 ms, qint64 nowMs); // "12 s ago", "3 h ago", "2 d ago"
QString absolute(qint64 ms); // "2026-11-27 03:04:05.123 UTC"
QString bytes(qint64 bytes); // "1.2 KiB"
// "notified", "notified (seen in Redis)", "NOT notified (Redis has #N)", "NOT notified".
QString notifiedText(NotifiedState state, std::optional<qint64> redisDeploymentId);
QString notifiedToolTip(const PromptDeployment &d, NotifiedState state,
                        std::optional<qint64> redisDeploymentId);
PromptRowStatus notifiedStatus(NotifiedState state);
} // namespace promptformat

} // namespace switchboard
