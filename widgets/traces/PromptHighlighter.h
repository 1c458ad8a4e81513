#pragma once
// Makes the segments of an assembled prompt distinguishable: each `<|role:kind|>` marker
// line is bold on a band, and the text after it gets the background of its kind
// (system, summary, message, tool_result, retrieval). Block state carries the kind, so a
// block is highlighted alone, without rescanning the document.
#include <QSyntaxHighlighter>

namespace switchboard {

class PromptHighlighter : public QSyntaxHighlighter
{
    Q_OBJECT
public:
    using QSyntaxHighlighter::QSyntaxHighlighter;

protected:
    void highlightBlock(const QString &text) override;
};

} // namespace switchboard
