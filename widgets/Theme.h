#pragma once
// Light / dark / system appearance. The explicit choices use the Fusion style with a fixed
// palette (the same on every desktop); `system` keeps the platform's style and palette.
// Everything that paints its own colours derives them from the palette it paints with
// (isDark, mix), and re-derives them on QEvent::PaletteChange.
#include <QColor>
#include <QPalette>
#include <QString>

namespace switchboard::theme {

enum class Choice { System, Light, Dark };

QString choiceName(Choice choice); // "system", "light", "dark": the settings value
Choice choiceFromName(const QString &name); // unknown: System

// The QSettings key appearance/theme.
Choice savedChoice();
void saveChoice(Choice choice);

// Style and application palette for the choice (QApplication must exist).
void apply(Choice choice);

QPalette lightPalette();
QPalette darkPalette();

bool isDark(const QPalette &palette); // the window colour is dark
// a blended towards b by t in [0, 1] (opaque result).
QColor mix(const QColor &a, const QColor &b, double t);
// WCAG 2 contrast ratio of two opaque colours, 1 .. 21.
double contrastRatio(const QColor &a, const QColor &b);
// A translucent colour painted over an opaque one.
QColor over(const QColor &top, const QColor &bottom);

} // namespace switchboard::theme
