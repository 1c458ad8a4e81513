#pragma once
// Display text shared by the prompt models: relative times, sizes, rates, and the status a
// row shows (by a shape-coded icon and text; the widgets layer turns it into an icon).
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
} // namespace promptformat

} // namespace switchboard
