#pragma once
// Text forms shared by the views: relative times ("12 s ago") and token counts ("73.4 k").
#include <QString>
#include <QtGlobal>

namespace switchboard::display {

// "4 s", "12 min", "3 h 05 min", "2 d": a duration in ms, never negative.
QString duration(qint64 ms);
// "12 s ago" (or "just now"); absolute time for a tooltip: "2026-11-27 03:12:44.120 UTC".
QString ago(qint64 atMs, qint64 nowMs);
QString absolute(qint64 atMs);
// "812", "73.4 k", "1.20 M" tokens.
QString tokens(qint64 count);

} // namespace switchboard::display
