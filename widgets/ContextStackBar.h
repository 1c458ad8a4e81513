#pragma once
// One horizontal bar the width of the model's window, split by what fills it (system
// prompt, summary, history, tool results, retrieval), each part labelled with its name and
// token count when it is wide enough (and always in the tooltip and legend): not colour alone.
#include "core/contract/ContextComposition.h"

#include <QWidget>

namespace switchboard {

class ContextStackBar : public QWidget
{
    Q_OBJECT
public:
    explicit ContextStackBar(QWidget *parent = nullptr);
    void setComposition(const ContextComposition &composition);
    void clear();

    static QString kindLabel(SegmentKind kind); // "system prompt", "history", …
    // The segment colour on this palette, and the label colour (black or white) on it.
    static QColor kindColor(SegmentKind kind, const QPalette &palette);
    static QColor labelColor(const QColor &fill);
    // "system prompt 1.2 k · summary 3.0 k · …": the legend the panel shows under the bar.
    QString legend() const;

    QSize sizeHint() const override { return {400, 30}; }
    QSize minimumSizeHint() const override { return {120, 24}; }

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override; // tooltips per part

private:
    static QColor kindHue(SegmentKind kind);
    struct Part
    {
        SegmentKind kind;
        qint64 tokens;
    };
    QRect partRect(int i) const;

    QList<Part> m_parts;
    qint64 m_limit = 0;
    bool m_estimated = false; // the tokens are an estimate: shown with "≈"
    qint64 m_total = 0;
};

} // namespace switchboard
