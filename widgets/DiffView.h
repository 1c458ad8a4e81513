#pragma once
// A prompt diff, side by side or unified, with changed words marked inside changed lines.
// Each line carries its number and a sign (-, +, ~) so the change reads without colour.
#include "core/util/TextDiff.h"

#include <QColor>
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QStackedWidget;
class QToolButton;

namespace switchboard {

class DiffView : public QWidget
{
    Q_OBJECT
public:
    enum Mode { SideBySide, Unified };

    explicit DiffView(QWidget *parent = nullptr);

    void setDiff(const TextDiffResult &diff, const QString &oldTitle, const QString &newTitle);
    void setMessage(const QString &message); // instead of a diff: loading, bad row, …
    void setMode(Mode mode);
    Mode mode() const { return m_mode; }

    QString summaryText() const; // "3 changed, 1 added, 0 removed lines"
    QString leftText() const;
    QString rightText() const;
    QString unifiedText() const;

    // The colours of the diff for a palette (line and word tints, gutter, text).
    struct Colors
    {
        QColor text, gutter, removedLine, removedWord, addedLine, addedWord, filler;
    };

protected:
    void changeEvent(QEvent *event) override;

private:
    void render();

    TextDiffResult m_diff;
    QString m_oldTitle, m_newTitle;
    Mode m_mode = SideBySide;
    QLabel *m_summary;
    QToolButton *m_sideBySide;
    QToolButton *m_unified;
    QStackedWidget *m_stack;
    QPlainTextEdit *m_left;
    QPlainTextEdit *m_right;
    QPlainTextEdit *m_single;
};

} // namespace switchboard
