#pragma once
// Small status pictograms that differ by shape as well as colour (never colour alone):
// ok = filled circle, warning = triangle, error = square with a cross, idle = hollow circle,
// busy = half-filled circle.
#include <QColor>
#include <QIcon>
#include <QPalette>

namespace switchboard {

enum class StatusKind { Ok, Busy, Warning, Error, Idle };

QIcon statusIcon(StatusKind kind, int size = 14);
QColor statusColor(StatusKind kind, const QPalette &palette);

} // namespace switchboard
