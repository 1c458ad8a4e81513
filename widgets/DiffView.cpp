#include "widgets/DiffView.h"

#include "widgets/Theme.h"
#include "widgets/UntrustedLabel.h"

#include <QButtonGroup>
#include <QEvent>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QTextBlock>
#include <QTextCursor>
#include <QToolButton>
#include <QVBoxLayout>

namespace switchboard {

namespace {

// Tints of red and green over the editor's base colour, opaque, with the text colour set
// explicitly: they read on light and dark palettes alike (tst_theme checks the contrast).
DiffView::Colors colorsFor(const QPalette &palette)
{
    const bool dark = theme::isDark(palette);
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    const QColor red(0xdc, 0x32, 0x32), green(0x28, 0xaa, 0x3c);
    DiffView::Colors c;
    c.text = text;
    c.gutter = theme::mix(text, base, 0.3);
    c.removedLine = theme::mix(base, red, dark ? 0.22 : 0.15);
    c.removedWord = theme::mix(base, red, dark ? 0.45 : 0.38);
    c.addedLine = theme::mix(base, green, dark ? 0.20 : 0.15);
    c.addedWord = theme::mix(base, green, dark ? 0.42 : 0.35);
    c.filler = theme::mix(base, text, 0.06);
    return c;
}

QPlainTextEdit *makeEditor(QWidget *parent)
{
    auto *e = new QPlainTextEdit(parent);
    e->setReadOnly(true);
    e->setLineWrapMode(QPlainTextEdit::NoWrap);
    e->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    e->setUndoRedoEnabled(false);
    return e;
}

struct LineWriter
{
    QTextCursor cursor;
    const DiffView::Colors &colors;
    bool first = true;

    void line(const QString &gutter, const QString &text, const QVector<TextSpan> &marks,
              const QColor &lineColor, const QColor &markColor)
    {
        if (!first)
            cursor.insertBlock();
        first = false;
        QTextBlockFormat block;
        if (lineColor.isValid())
            block.setBackground(lineColor);
        cursor.setBlockFormat(block);
        QTextCharFormat plain;
        plain.setForeground(colors.text);
        QTextCharFormat gutterFormat;
        gutterFormat.setForeground(colors.gutter);
        cursor.insertText(gutter, gutterFormat);
        int at = 0;
        QTextCharFormat marked = plain;
        marked.setBackground(markColor);
        for (const TextSpan &s : marks) {
            if (s.start > at)
                cursor.insertText(text.mid(at, s.start - at), plain);
            cursor.insertText(text.mid(s.start, s.length), marked);
            at = s.start + s.length;
        }
        if (at < text.size())
            cursor.insertText(text.mid(at), plain);
    }
};

QString gutter(int line, QChar sign)
{
    return (line >= 0 ? QStringLiteral("%1").arg(line + 1, 5) : QString(5, QLatin1Char(' ')))
        + QLatin1Char(' ') + sign + QLatin1Char(' ');
}

} // namespace

DiffView::DiffView(QWidget *parent)
    : QWidget(parent)
    , m_summary(new QLabel(this))
    , m_sideBySide(new QToolButton(this))
    , m_unified(new QToolButton(this))
    , m_stack(new QStackedWidget(this))
{
    m_sideBySide->setText(QStringLiteral("Side by side"));
    m_unified->setText(QStringLiteral("Unified"));
    for (QToolButton *b : {m_sideBySide, m_unified})
        b->setCheckable(true);
    auto *group = new QButtonGroup(this);
    group->addButton(m_sideBySide);
    group->addButton(m_unified);
    m_sideBySide->setChecked(true);
    connect(m_sideBySide, &QToolButton::clicked, this, [this] { setMode(SideBySide); });
    connect(m_unified, &QToolButton::clicked, this, [this] { setMode(Unified); });

    auto *split = new QSplitter(Qt::Horizontal, m_stack);
    m_left = makeEditor(split);
    m_right = makeEditor(split);
    split->addWidget(m_left);
    split->addWidget(m_right);
    m_single = makeEditor(m_stack);
    m_left->setAccessibleName(QStringLiteral("Old version"));
    m_left->setAccessibleDescription(
        QStringLiteral("Each line starts with its number and a sign: minus removed, plus "
                       "added, tilde changed"));
    m_right->setAccessibleName(QStringLiteral("New version"));
    m_right->setAccessibleDescription(m_left->accessibleDescription());
    m_single->setAccessibleName(QStringLiteral("Unified diff"));
    m_single->setAccessibleDescription(m_left->accessibleDescription());
    m_sideBySide->setAccessibleDescription(QStringLiteral("Shows the two versions side by side"));
    m_unified->setAccessibleDescription(
        QStringLiteral("Shows one column of removed and added lines"));
    m_stack->addWidget(split);
    m_stack->addWidget(m_single);
    // The two sides scroll together.
    connect(m_left->verticalScrollBar(), &QScrollBar::valueChanged, m_right->verticalScrollBar(),
            &QScrollBar::setValue);
    connect(m_right->verticalScrollBar(), &QScrollBar::valueChanged, m_left->verticalScrollBar(),
            &QScrollBar::setValue);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_summary, 1);
    bar->addWidget(m_sideBySide);
    bar->addWidget(m_unified);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_stack, 1);
    setMessage(QStringLiteral("Select a version to compare it with the active one, or two "
                              "versions to compare them."));
}

void DiffView::changeEvent(QEvent *event)
{
    // Formats carry colours: a new palette (theme) needs them written again.
    if (event->type() == QEvent::PaletteChange && !m_diff.rows.isEmpty())
        render();
    QWidget::changeEvent(event);
}

void DiffView::setMessage(const QString &message)
{
    m_diff = {};
    untrusted::setLabel(m_summary, message);
    m_left->clear();
    m_right->clear();
    m_single->clear();
}

void DiffView::setDiff(const TextDiffResult &diff, const QString &oldTitle, const QString &newTitle)
{
    m_diff = diff;
    m_oldTitle = oldTitle;
    m_newTitle = newTitle;
    render();
}

void DiffView::setMode(Mode mode)
{
    m_mode = mode;
    m_sideBySide->setChecked(mode == SideBySide);
    m_unified->setChecked(mode == Unified);
    m_stack->setCurrentIndex(mode == SideBySide ? 0 : 1);
}

QString DiffView::summaryText() const
{
    return m_summary->text();
}

QString DiffView::leftText() const
{
    return m_left->toPlainText();
}

QString DiffView::rightText() const
{
    return m_right->toPlainText();
}

QString DiffView::unifiedText() const
{
    return m_single->toPlainText();
}

void DiffView::render()
{
    untrusted::setLabel(m_summary,
                        m_diff.identical()
                            ? QStringLiteral("%1 → %2: identical").arg(m_oldTitle, m_newTitle)
                            : QStringLiteral("%1 → %2: %3 changed, %4 added, %5 removed lines")
                                  .arg(m_oldTitle, m_newTitle)
                                  .arg(m_diff.changed)
                                  .arg(m_diff.added)
                                  .arg(m_diff.removed));
    for (QPlainTextEdit *e : {m_left, m_right, m_single})
        e->clear();
    // The view's palette: on a theme switch the editors get theirs after this widget.
    const Colors c = colorsFor(palette());
    LineWriter left {QTextCursor(m_left->document()), c};
    LineWriter right {QTextCursor(m_right->document()), c};
    left.cursor.beginEditBlock();
    right.cursor.beginEditBlock();
    for (const DiffRow &row : std::as_const(m_diff.rows)) {
        switch (row.kind) {
        case DiffRow::Context:
            left.line(gutter(row.oldLine, QLatin1Char(' ')), m_diff.oldLines.at(row.oldLine), {},
                      {}, {});
            right.line(gutter(row.newLine, QLatin1Char(' ')), m_diff.newLines.at(row.newLine), {},
                       {}, {});
            break;
        case DiffRow::Removed:
            left.line(gutter(row.oldLine, QLatin1Char('-')), m_diff.oldLines.at(row.oldLine), {},
                      c.removedLine, c.removedWord);
            right.line(gutter(-1, QLatin1Char(' ')), QString(), {}, c.filler, {});
            break;
        case DiffRow::Added:
            left.line(gutter(-1, QLatin1Char(' ')), QString(), {}, c.filler, {});
            right.line(gutter(row.newLine, QLatin1Char('+')), m_diff.newLines.at(row.newLine), {},
                       c.addedLine, c.addedWord);
            break;
        case DiffRow::Changed:
            left.line(gutter(row.oldLine, QLatin1Char('~')), m_diff.oldLines.at(row.oldLine),
                      row.oldMarks, c.removedLine, c.removedWord);
            right.line(gutter(row.newLine, QLatin1Char('~')), m_diff.newLines.at(row.newLine),
                       row.newMarks, c.addedLine, c.addedWord);
            break;
        }
    }
    left.cursor.endEditBlock();
    right.cursor.endEditBlock();

    LineWriter single {QTextCursor(m_single->document()), c};
    single.cursor.beginEditBlock();
    for (const TextDiffResult::UnifiedLine &u : m_diff.unifiedLines()) {
        const DiffRow &row = m_diff.rows.at(u.row);
        const int number = u.oldSide ? row.oldLine : row.newLine;
        if (u.sign == QLatin1Char(' '))
            single.line(gutter(number, u.sign), m_diff.text(u), {}, {}, {});
        else if (u.oldSide)
            single.line(gutter(number, u.sign), m_diff.text(u), row.oldMarks, c.removedLine,
                        c.removedWord);
        else
            single.line(gutter(number, u.sign), m_diff.text(u), row.newMarks, c.addedLine,
                        c.addedWord);
    }
    single.cursor.endEditBlock();
    for (QPlainTextEdit *e : {m_left, m_right, m_single})
        e->moveCursor(QTextCursor::Start);
}

} // namespace switchboard
