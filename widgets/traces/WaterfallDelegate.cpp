#include "widgets/traces/WaterfallDelegate.h"

#include "core/util/SafeMath.h"
#include "models/TraceTreeModel.h"
#include "widgets/StatusGlyph.h"
#include "widgets/Theme.h"

#include <QPainter>

namespace switchboard {

namespace {
QColor kindColor(SpanKind kind)
{
    switch (kind) {
    case SpanKind::Turn:
        return QColor(0x9a, 0xa5, 0xb1);
    case SpanKind::Prompt:
        return QColor(0x8e, 0x6c, 0xc0);
    case SpanKind::Llm:
        return QColor(0x3d, 0x6f, 0xb6);
    case SpanKind::Tool:
        return QColor(0x2e, 0x8b, 0x57);
    case SpanKind::Retrieval:
        return QColor(0xc0, 0x8a, 0x2e);
    case SpanKind::Summarize:
        return QColor(0x6b, 0x8e, 0x23);
    case SpanKind::Retry:
        return QColor(0xd0, 0x70, 0x20);
    case SpanKind::Output:
        return QColor(0x55, 0x77, 0x88);
    }
    return Qt::gray;
}
} // namespace

void WaterfallDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                              const QModelIndex &index) const
{
    QStyleOptionViewItem opt(option);
    initStyleOption(&opt, index);
    opt.text.clear();
    QStyledItemDelegate::paint(painter, opt, QModelIndex()); // background / selection only
    const double start = index.data(TraceTreeModel::WaterfallStartRole).toDouble();
    const double width = index.data(TraceTreeModel::WaterfallWidthRole).toDouble();
    const bool error = index.data(TraceTreeModel::IsErrorRole).toBool();
    const auto kind = SpanKind(index.data(TraceTreeModel::KindRole).toInt());
    const QRect r = option.rect.adjusted(4, 4, -4, -4);
    const int x = r.left() + safe::toInt(std::clamp(start, 0.0, 1.0) * r.width());
    const int w = std::max(2, safe::toInt(std::clamp(width, 0.0, 1.0) * r.width()));
    painter->save();
    QColor track = opt.palette.color(QPalette::Text);
    track.setAlpha(40);
    painter->fillRect(QRect(r.left(), r.center().y(), r.width(), 1), track);
    const QRect bar(x, r.top(), std::min(w, r.right() - x + 1), r.height());
    const QColor fill = error ? statusColor(StatusKind::Error, opt.palette) : kindColor(kind);
    painter->fillRect(bar, fill);
    if (error) { // not colour alone: a hatched bar reads as "failed" in grey too
        const QColor hatch
            = theme::contrastRatio(fill, Qt::white) >= theme::contrastRatio(fill, Qt::black)
            ? QColor(Qt::white)
            : QColor(Qt::black);
        painter->fillRect(bar, QBrush(hatch, Qt::BDiagPattern));
    }
    painter->restore();
}

QSize WaterfallDelegate::sizeHint(const QStyleOptionViewItem &option,
                                  const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    s.setWidth(std::max(s.width(), 180));
    return s;
}

} // namespace switchboard
