#pragma once
// Paints the events table's cells with shaped text kept per column (QStaticText): under a
// flood the view repaints every visible cell up to 30 times a second, and the default
// delegate lays out and shapes each cell's text every time (QTextLayout + HarfBuzz: half
// of the GUI thread's time in Bench 2). The columns repeat a few values (agent, kind,
// strategy, outcome, "0 s ago", session ids), so almost every cell is a cache hit. The
// background, selection and focus are still drawn by the style; text that does not fit is
// elided as before (uncached). Each column's cache is bounded and starts over when full.
#include <QHash>
#include <QStaticText>
#include <QStyledItemDelegate>

#include <vector>

namespace switchboard {

class EventsTextDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit EventsTextDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;

    int cachedTexts() const;

private:
    const QStaticText &shaped(int column, const QString &text, const QFont &font) const;

    struct ColumnCache
    {
        QFont font;
        QHash<QString, QStaticText> texts;
    };
    mutable std::vector<ColumnCache> m_columns;
};

} // namespace switchboard
