#include "widgets/ContextStackBar.h"

#include "core/util/SafeMath.h"
#include "models/DisplayFormat.h"
#include "widgets/Theme.h"

#include <QEvent>
#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

namespace switchboard {

namespace {

constexpr SegmentKind kOrder[] = {SegmentKind::System, SegmentKind::Summary, SegmentKind::Message,
                                  SegmentKind::ToolResult, SegmentKind::Retrieval};

} // namespace

ContextStackBar::ContextStackBar(QWidget *parent)
    : QWidget(parent)
{
    setMinimumHeight(24);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setAccessibleName(QStringLiteral("Context window composition"));
}

QString ContextStackBar::kindLabel(SegmentKind kind)
{
    switch (kind) {
    case SegmentKind::System:
        return QStringLiteral("system prompt");
    case SegmentKind::Summary:
        return QStringLiteral("summary");
    case SegmentKind::Message:
        return QStringLiteral("history");
    case SegmentKind::ToolResult:
        return QStringLiteral("tool results");
    case SegmentKind::Retrieval:
        return QStringLiteral("retrieval");
    }
    return {};
}

QColor ContextStackBar::kindColor(SegmentKind kind, const QPalette &palette)
{
    const QColor c = kindHue(kind);
    // On a dark palette, a quarter of the base colour mixed in: less glare, same hue.
    return theme::isDark(palette) ? theme::mix(c, palette.color(QPalette::Base), 0.25) : c;
}

QColor ContextStackBar::labelColor(const QColor &fill)
{
    return theme::contrastRatio(fill, Qt::black) >= theme::contrastRatio(fill, Qt::white)
        ? QColor(Qt::black)
        : QColor(Qt::white);
}

QColor ContextStackBar::kindHue(SegmentKind kind)
{
    // Muted, distinguishable hues; the labels carry the meaning.
    switch (kind) {
    case SegmentKind::System:
        return QColor(0x8c, 0x8c, 0xa6);
    case SegmentKind::Summary:
        return QColor(0x9b, 0x7f, 0xc4);
    case SegmentKind::Message:
        return QColor(0x5f, 0x9e, 0xd1);
    case SegmentKind::ToolResult:
        return QColor(0xd1, 0x9a, 0x5f);
    case SegmentKind::Retrieval:
        return QColor(0x6f, 0xb5, 0x8a);
    }
    return {};
}

void ContextStackBar::setComposition(const ContextComposition &composition)
{
    m_parts.clear();
    for (SegmentKind kind : kOrder) {
        const qint64 tokens = composition.tokensOf(kind);
        if (tokens > 0)
            m_parts.append({kind, tokens});
    }
    m_total = composition.totalTokens();
    m_limit = composition.limit;
    m_estimated = composition.estimated;
    update();
    setAccessibleDescription(legend()); // what the colours say, as text
}

void ContextStackBar::clear()
{
    m_parts.clear();
    m_total = m_limit = 0;
    m_estimated = false;
    update();
    setAccessibleDescription(QString());
}

QString ContextStackBar::legend() const
{
    QStringList out;
    const QString about = m_estimated ? QStringLiteral("≈") : QString();
    for (const Part &p : m_parts)
        out.append(kindLabel(p.kind) + QLatin1Char(' ') + about + display::tokens(p.tokens));
    if (m_limit > 0)
        out.append(QStringLiteral("free %1 of %2")
                       .arg(display::tokens(qMax<qint64>(0, m_limit - m_total)),
                            display::tokens(m_limit)));
    else if (!m_parts.isEmpty())
        out.append(QStringLiteral("window unknown"));
    return out.join(QStringLiteral("  ·  "));
}

QRect ContextStackBar::partRect(int i) const
{
    const QRect area = rect().adjusted(0, 2, -1, -3);
    const qint64 scale = qMax(m_limit, m_total); // an overflow fills the whole bar
    if (scale <= 0)
        return {};
    qint64 before = 0;
    for (int k = 0; k < i; ++k)
        before = safe::add(before, m_parts.at(k).tokens);
    // Saturated sums stay <= scale, so each ratio is in [0, 1].
    const double width = double(area.width());
    const int x0 = area.left() + safe::toInt(width * std::min(1.0, double(before) / double(scale)));
    const int x1 = area.left()
        + safe::toInt(width
                      * std::min(1.0,
                                 double(safe::add(before, m_parts.at(i).tokens)) / double(scale)));
    return QRect(QPoint(x0, area.top()), QPoint(qMax(x0, x1 - 1), area.bottom()));
}

void ContextStackBar::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const QRect area = rect().adjusted(0, 2, -1, -3);
    p.fillRect(area, palette().color(QPalette::Base));
    for (int i = 0; i < m_parts.size(); ++i) {
        const QRect r = partRect(i);
        const QColor fill = kindColor(m_parts.at(i).kind, palette());
        p.fillRect(r, fill);
        const QString label = kindLabel(m_parts.at(i).kind);
        if (p.fontMetrics().horizontalAdvance(label) + 6 < r.width()) {
            p.setPen(labelColor(fill));
            p.drawText(r.adjusted(3, 0, -3, 0), Qt::AlignVCenter | Qt::AlignLeft, label);
        }
    }
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(area);
}

bool ContextStackBar::event(QEvent *e)
{
    if (e->type() == QEvent::ToolTip) {
        const auto *help = static_cast<QHelpEvent *>(e);
        for (int i = 0; i < m_parts.size(); ++i) {
            if (partRect(i).contains(help->pos())) {
                const Part &part = m_parts.at(i);
                QToolTip::showText(
                    help->globalPos(),
                    m_limit > 0 ? QStringLiteral("%1: %2%3 tokens (%4 % of the window)")
                                      .arg(kindLabel(part.kind))
                                      .arg(m_estimated ? QStringLiteral("≈") : QString())
                                      .arg(part.tokens)
                                      .arg(100.0 * double(part.tokens) / double(m_limit), 0, 'f', 1)
                                : QStringLiteral("%1: %2%3 tokens (window unknown)")
                                      .arg(kindLabel(part.kind))
                                      .arg(m_estimated ? QStringLiteral("≈") : QString())
                                      .arg(part.tokens),
                    this);
                return true;
            }
        }
        QToolTip::hideText();
        e->ignore();
        return true;
    }
    return QWidget::event(e);
}

} // namespace switchboard
