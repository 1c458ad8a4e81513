#pragma once
// Paints the waterfall cell of the span tree: a bar at the span's start and length within
// its turn, red for errors, a tick for the first token. Reads only precomputed roles.
#include <QStyledItemDelegate>

namespace switchboard {

class WaterfallDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace switchboard
