#pragma once
// The selected session's context window, loaded on demand: a stacked bar of what fills
// it, a legend with token counts, the segments as a list (kind, role, tokens, first line)
// and the selected segment's full text, readable, in a monospace pane.
#include "core/contract/ContextComposition.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTreeWidget;

namespace switchboard {

class ContextStackBar;

class ContextCompositionView : public QWidget
{
    Q_OBJECT
public:
    explicit ContextCompositionView(QWidget *parent = nullptr);

    void showLoading(const QString &sessionId);
    void showComposition(const ContextComposition &composition);
    void showError(const QString &sessionId, const QString &message);
    void showNothing(); // no session selected

    QString headline() const; // for tests: what the panel says right now
    int segmentCount() const;
    const ContextStackBar *bar() const { return m_bar; }

private:
    void showSegment(int i);

    QLabel *m_title;
    QLabel *m_state;
    ContextStackBar *m_bar;
    QLabel *m_legend;
    QTreeWidget *m_segments;
    QPlainTextEdit *m_text;
    ContextComposition m_composition;
};

} // namespace switchboard
