#include "widgets/StatusGlyph.h"

#include <QGuiApplication>
#include <QHash>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace switchboard {

QColor statusColor(StatusKind kind, const QPalette &palette)
{
    const bool dark = palette.color(QPalette::Window).lightness() < 128;
    switch (kind) {
    case StatusKind::Ok:
        return dark ? QColor(0x5c, 0xc9, 0x6b) : QColor(0x17, 0x70, 0x2f);
    case StatusKind::Busy:
        return dark ? QColor(0x6c, 0xa8, 0xff) : QColor(0x1f, 0x5f, 0xbf);
    case StatusKind::Warning:
        return dark ? QColor(0xff, 0xc1, 0x4d) : QColor(0x8f, 0x56, 0x00);
    case StatusKind::Error:
        return dark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xc0, 0x1c, 0x28);
    case StatusKind::Idle:
        return palette.color(QPalette::Disabled, QPalette::WindowText);
    }
    return palette.color(QPalette::WindowText);
}

namespace {

QIcon renderStatusIcon(StatusKind kind, int size, qreal dpr, const QColor &c, const QColor &mark)
{
    QPixmap pm(QSize(size, size) * dpr);
    pm.setDevicePixelRatio(dpr);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF r(1.5, 1.5, size - 3.0, size - 3.0);
    switch (kind) {
    case StatusKind::Ok:
        p.setPen(Qt::NoPen);
        p.setBrush(c);
        p.drawEllipse(r);
        break;
    case StatusKind::Busy: {
        p.setPen(QPen(c, 1.5));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(r);
        QPainterPath half;
        half.moveTo(r.center());
        half.arcTo(r, 90, 180);
        half.closeSubpath();
        p.fillPath(half, c);
        break;
    }
    case StatusKind::Warning: {
        QPainterPath tri;
        tri.moveTo(r.center().x(), r.top());
        tri.lineTo(r.right(), r.bottom());
        tri.lineTo(r.left(), r.bottom());
        tri.closeSubpath();
        p.fillPath(tri, c);
        break;
    }
    case StatusKind::Error:
        p.setPen(Qt::NoPen);
        p.setBrush(c);
        p.drawRect(r);
        p.setPen(QPen(mark, 1.6)); // the base colour: white on light, dark on dark palettes
        p.drawLine(r.topLeft() + QPointF(3, 3), r.bottomRight() - QPointF(3, 3));
        p.drawLine(r.topRight() + QPointF(-3, 3), r.bottomLeft() + QPointF(3, -3));
        break;
    case StatusKind::Idle:
        p.setPen(QPen(c, 1.5));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(r);
        break;
    }
    return QIcon(pm);
}

} // namespace

QIcon statusIcon(StatusKind kind, int size)
{
    // Asked for every status cell of every paint (the proxy's DecorationRole): rendering
    // the pixmap each time (antialiased paths) was a visible part of the processes view's
    // paint (perf, bench_procs). Cached per kind, size, pixel ratio and colour (a palette
    // change gives new colours, hence new entries). GUI thread only.
    const qreal dpr = qGuiApp ? qGuiApp->devicePixelRatio() : 1.0;
    const QPalette palette = qGuiApp ? qGuiApp->palette() : QPalette();
    const QColor c = statusColor(kind, palette);
    const QColor mark = palette.color(QPalette::Base);
    static QHash<QString, QIcon> cache;
    const QString key = QString::number(int(kind)) + QLatin1Char('/') + QString::number(size)
        + QLatin1Char('/') + QString::number(dpr) + QLatin1Char('/') + QString::number(c.rgba(), 16)
        + QLatin1Char('/') + QString::number(mark.rgba(), 16);
    auto it = cache.constFind(key);
    if (it == cache.cend())
        it = cache.insert(key, renderStatusIcon(kind, size, dpr, c, mark));
    return it.value();
}

} // namespace switchboard
