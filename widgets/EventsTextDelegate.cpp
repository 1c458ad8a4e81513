#include "widgets/EventsTextDelegate.h"

#include <QApplication>
#include <QPainter>
#include <QStyle>

namespace switchboard {

namespace {
constexpr int kMaxPerColumn = 2048;
} // namespace

EventsTextDelegate::EventsTextDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{ }

int EventsTextDelegate::cachedTexts() const
{
    int n = 0;
    for (const ColumnCache &c : m_columns)
        n += int(c.texts.size());
    return n;
}

const QStaticText &EventsTextDelegate::shaped(int column, const QString &text,
                                              const QFont &font) const
{
    if (column >= int(m_columns.size()))
        m_columns.resize(size_t(column) + 1);
    ColumnCache &cache = m_columns[size_t(column)];
    if (cache.font != font || cache.texts.size() >= kMaxPerColumn) {
        cache.texts.clear(); // a new font (or a churn of values): shape afresh
        cache.font = font;
    }
    auto it = cache.texts.find(text);
    if (it == cache.texts.end()) {
        QStaticText st(text);
        st.setTextFormat(Qt::PlainText);
        st.setPerformanceHint(QStaticText::AggressiveCaching);
        st.prepare(QTransform(), font);
        it = cache.texts.insert(text, st);
    }
    return it.value();
}

void EventsTextDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                               const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QWidget *widget = opt.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    const QString text = opt.text;
    opt.text.clear(); // background, selection, focus: the style's as before
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    if (text.isEmpty())
        return;

    // The text rectangle the style would use (its margin), and its colours.
    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, widget) + 1;
    const QRect rect = opt.rect.adjusted(margin, 0, -margin, 0);
    const bool enabled = opt.state & QStyle::State_Enabled;
    const QPalette::ColorGroup group = !enabled ? QPalette::Disabled
        : (opt.state & QStyle::State_Active)    ? QPalette::Normal
                                                : QPalette::Inactive;
    const bool selected = opt.state & QStyle::State_Selected;
    painter->save();
    painter->setPen(
        opt.palette.color(group, selected ? QPalette::HighlightedText : QPalette::Text));
    painter->setFont(opt.font);
    const QStaticText &st = shaped(index.column(), text, opt.font);
    const QSizeF size = st.size();
    if (size.width() > rect.width()) { // does not fit: elided, as the default delegate does
        painter->drawText(rect, int(opt.displayAlignment | Qt::TextSingleLine),
                          opt.fontMetrics.elidedText(text, opt.textElideMode, rect.width()));
    } else {
        qreal x = rect.left();
        if (opt.displayAlignment & Qt::AlignRight)
            x = rect.right() + 1 - size.width();
        else if (opt.displayAlignment & Qt::AlignHCenter)
            x = rect.left() + (rect.width() - size.width()) / 2;
        const qreal y = rect.top() + (rect.height() - size.height()) / 2;
        painter->drawStaticText(QPointF(x, y), st);
    }
    painter->restore();
}

} // namespace switchboard
