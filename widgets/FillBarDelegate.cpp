#include "widgets/FillBarDelegate.h"

#include "models/SessionTableModel.h"
#include "widgets/StatusGlyph.h"
#include "widgets/Theme.h"

#include <QApplication>
#include <QPainter>

namespace switchboard {

FillBarDelegate::FillBarDelegate(SessionSettings settings, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_settings(settings)
{ }

void FillBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    QWidget *widget = const_cast<QWidget *>(opt.widget);
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget); // background, selection

    const double fill = index.data(SessionTableModel::FillRole).toDouble();
    const QRect cell = opt.rect.adjusted(3, 3, -3, -3);
    painter->save();
    if (fill >= 0) {
        StatusKind kind = StatusKind::Ok;
        if (fill >= m_settings.redAt)
            kind = StatusKind::Error;
        else if (fill >= m_settings.amberAt)
            kind = StatusKind::Warning;
        QColor bar = kind == StatusKind::Ok ? opt.palette.color(QPalette::Mid)
                                            : statusColor(kind, opt.palette);
        // Lighter on a dark palette: the figure drawn over the bar keeps its contrast.
        bar.setAlpha(kind == StatusKind::Ok ? 110 : theme::isDark(opt.palette) ? 95 : 150);
        QRect filled = cell;
        filled.setWidth(int(cell.width() * qMin(1.0, fill)));
        painter->fillRect(filled, bar);
        painter->setPen(opt.palette.color(QPalette::Mid));
        painter->drawRect(cell.adjusted(0, 0, -1, -1));
        if (kind != StatusKind::Ok) {
            const int side = qMin(14, cell.height());
            const QRect glyph(cell.left() + 2, cell.center().y() - side / 2, side, side);
            statusIcon(kind, side).paint(painter, glyph);
        }
    }
    painter->setPen(opt.palette.color(opt.state & QStyle::State_Selected ? QPalette::HighlightedText
                                                                         : QPalette::Text));
    painter->drawText(cell.adjusted(0, 0, -3, 0), Qt::AlignRight | Qt::AlignVCenter, text);
    painter->restore();
}

QSize FillBarDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    s.setWidth(qMax(s.width(), 110));
    return s;
}

} // namespace switchboard
