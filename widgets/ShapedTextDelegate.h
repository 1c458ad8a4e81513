#pragma once
// The one cell painter with cached text, for every table and tree (processes, sessions,
// alerts, events): the style draws background, selection, focus and the status icon as
// usual; the text is drawn from a cache of laid-out QStaticText. With the stock delegate
// every cell of every paint shaped its text afresh (QTextLayout + HarfBuzz, and
// elision): most of the processes view's paint time (perf, bench_procs), 6-9 ms per
// repaint of the sessions view (bench_sessions: 1.4-4.8 ms with it), and half of the GUI
// thread's time of the events table under a flood (bench_events), although a repaint
// mostly shows the same strings again. Kept per column and bounded: a column of unique
// values (event messages) starts its own cache over without emptying the others'.
#include <QFont>
#include <QHash>
#include <QList>
#include <QStaticText>
#include <QStyledItemDelegate>

#include <vector>

namespace switchboard {

class ShapedTextDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit ShapedTextDelegate(QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    // Laid-out texts held now, over all columns (tests, benches).
    int cachedTexts() const;

private:
    // The laid-out text for (text, font, width) in a column: elided to the width when it
    // does not fit.
    const QStaticText &layout(int column, const QString &text, const QFont &font, int width,
                              Qt::TextElideMode mode) const;

    struct Key
    {
        QString text;
        int font = 0; // index in m_fonts: QFont::key() was a visible part of the paint
        int width = 0;
        int mode = 0;
        bool operator==(const Key &o) const
        {
            return font == o.font && width == o.width && mode == o.mode && text == o.text;
        }
    };
    friend size_t qHash(const Key &k, size_t seed = 0)
    {
        return qHashMulti(seed, k.text, k.font, k.width, k.mode);
    }
    mutable QList<QFont> m_fonts; // the few fonts cells use (default, fixed)
    mutable std::vector<QHash<Key, QStaticText>> m_columns;
};

} // namespace switchboard
