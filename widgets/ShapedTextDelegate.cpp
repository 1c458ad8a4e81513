#include "widgets/ShapedTextDelegate.h"

#include <QApplication>
#include <QFontMetrics>
#include <QPainter>
#include <QStyle>

namespace switchboard {

namespace {

// Strings on screen at once are a few hundred (and ages change every second): a column's
// cache is dropped when it grows past this rather than kept in LRU order.
constexpr qsizetype kMaxPerColumn = 2048;

} // namespace

ShapedTextDelegate::ShapedTextDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{ }

int ShapedTextDelegate::cachedTexts() const
{
    qsizetype n = 0;
    for (const auto &column : m_columns)
        n += column.size();
    return int(n);
}

const QStaticText &ShapedTextDelegate::layout(int column, const QString &text, const QFont &font,
                                              int width, Qt::TextElideMode mode) const
{
    int fontIndex = int(m_fonts.indexOf(font));
    if (fontIndex < 0) {
        if (m_fonts.size() >= 8) { // fonts changed (a new style or zoom): start afresh
            m_fonts.clear();
            m_columns.clear();
        }
        m_fonts.append(font);
        fontIndex = int(m_fonts.size()) - 1;
    }
    if (column >= int(m_columns.size()))
        m_columns.resize(size_t(column) + 1);
    QHash<Key, QStaticText> &cache = m_columns[size_t(column)];
    const Key key {text, fontIndex, width, int(mode)};
    auto it = cache.find(key);
    if (it != cache.end())
        return it.value();
    if (cache.size() >= kMaxPerColumn)
        cache.clear();
    const QFontMetrics fm(font);
    const QString shown
        = fm.horizontalAdvance(text) > width ? fm.elidedText(text, mode, width) : text;
    QStaticText st(shown);
    st.setTextFormat(Qt::PlainText);
    st.setPerformanceHint(QStaticText::AggressiveCaching);
    st.prepare(QTransform(), font);
    return cache.insert(key, st).value();
}

void ShapedTextDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                               const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QWidget *widget = opt.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    const QString text = opt.text;
    const bool hasText = opt.features.testFlag(QStyleOptionViewItem::HasDisplay) && !text.isEmpty()
        && text.indexOf(QLatin1Char('\n')) < 0;
    if (!hasText) {
        style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
        return;
    }
    // Where the style would put the text: with the decoration left or right it depends on
    // the icon and the cell, not on the text, so it is asked without the text (with it,
    // the style measured the text with a QTextLayout of its own).
    opt.text.clear();
    const QRect textRect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, widget);
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    // As QCommonStyle's viewItemDrawText: a margin each side, the palette's (highlighted)
    // text colour unless the model set one, the cell's alignment, elided when too wide.
    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, widget) + 1;
    const QRect r = textRect.adjusted(margin, 0, -margin, 0);
    if (r.width() <= 0)
        return;
    const QPalette::ColorGroup group = !(opt.state & QStyle::State_Enabled) ? QPalette::Disabled
        : (opt.state & QStyle::State_Active)                                ? QPalette::Normal
                                                                            : QPalette::Inactive;
    painter->save();
    painter->setFont(opt.font);
    painter->setPen(opt.palette.color(
        group, (opt.state & QStyle::State_Selected) ? QPalette::HighlightedText : QPalette::Text));
    const QStaticText &st
        = layout(qMax(0, index.column()), text, opt.font, r.width(), opt.textElideMode);
    const QSizeF size = st.size();
    const Qt::Alignment align = QStyle::visualAlignment(opt.direction, opt.displayAlignment);
    qreal x = r.left();
    if (align & Qt::AlignRight)
        x = r.right() + 1 - size.width();
    else if (align & Qt::AlignHCenter)
        x = r.left() + (r.width() - size.width()) / 2;
    qreal y = r.top() + (r.height() - size.height()) / 2;
    if (align & Qt::AlignTop)
        y = r.top();
    else if (align & Qt::AlignBottom)
        y = r.bottom() + 1 - size.height();
    painter->setClipRect(r, Qt::IntersectClip);
    painter->drawStaticText(QPointF(x, y), st);
    painter->restore();
}

} // namespace switchboard
