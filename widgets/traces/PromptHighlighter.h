#pragma once
// Makes the segments of an assembled prompt distinguishable: each `<|role:kind|>` marker
// line is bold on a band, and the text after it gets the background of its kind
// (system, summary, message, tool_result, retrieval). Block state carries the kind, so a
// block is highlighted alone, without rescanning the document.
// Colours come from the editor's palette (a tint of the kind's hue over the base colour,
// the text colour set explicitly), and follow it when it changes (light/dark theme).
#include <QPalette>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

class QPlainTextEdit;

namespace switchboard {

class PromptHighlighter : public QSyntaxHighlighter
{
    Q_OBJECT
public:
    explicit PromptHighlighter(QPlainTextEdit *editor);

    // The formats for kind 0..4 (system … retrieval), 5 = unknown kind.
    static QTextCharFormat markerFormat(int kind, const QPalette &palette);
    static QTextCharFormat bodyFormat(int kind, const QPalette &palette);

protected:
    void highlightBlock(const QString &text) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QPlainTextEdit *m_editor;
    QPalette m_palette;
};

} // namespace switchboard
