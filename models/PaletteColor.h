#pragma once
// Item text colours (Qt::ForegroundRole) that read on the application's palette: the light
// variant on a light window colour, the dark variant on a dark one (View > Theme). Views
// ask for them at paint time, so a theme switch repaints them in the new colours.
#include <QColor>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QPalette>

namespace switchboard {

inline QColor paletteColor(const QColor &light, const QColor &dark)
{
    const auto *app = qobject_cast<QGuiApplication *>(QCoreApplication::instance());
    return app && QGuiApplication::palette().color(QPalette::Window).lightness() < 128 ? dark
                                                                                       : light;
}

// The status colours of widgets/StatusGlyph, for models (which do not link widgets).
inline QColor errorText()
{
    return paletteColor(QColor(0xb0, 0x00, 0x20), QColor(0xff, 0x6b, 0x6b));
}
inline QColor warningText()
{
    return paletteColor(QColor(0x8a, 0x6d, 0x00), QColor(0xff, 0xc1, 0x4d));
}
inline QColor okText()
{
    return paletteColor(QColor(0x2e, 0x7d, 0x32), QColor(0x5c, 0xc9, 0x6b));
}
inline QColor mutedText()
{
    return paletteColor(QColor(0x55, 0x55, 0x55), QColor(0xa0, 0xa0, 0xa0));
}

} // namespace switchboard
