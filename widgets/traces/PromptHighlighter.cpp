#include "widgets/traces/PromptHighlighter.h"

#include "widgets/Theme.h"

#include <QEvent>
#include <QPlainTextEdit>
#include <QRegularExpression>

#include <algorithm>

namespace switchboard {

namespace {
const QStringList &kinds()
{
    static const QStringList k
        = {QStringLiteral("system"), QStringLiteral("summary"), QStringLiteral("message"),
           QStringLiteral("tool_result"), QStringLiteral("retrieval")};
    return k;
}
// The hue of each kind; bands are tints of it over the base colour, so they stay dark on
// a dark palette and light on a light one.
QColor hue(int kind)
{
    static const QColor c[]
        = {QColor(0x8e, 0x6c, 0xc0), QColor(0xc8, 0x9a, 0x2e), QColor(0x80, 0x80, 0x80),
           QColor(0x2e, 0x9b, 0x57), QColor(0xd0, 0x70, 0x20), QColor(0x80, 0x80, 0x80)};
    return c[std::clamp(kind, 0, 5)];
}
double tint(int kind, bool dark, bool marker)
{
    if (kind == 2) // message: the plain base, the marker line a light grey band
        return marker ? (dark ? 0.25 : 0.18) : 0.0;
    return marker ? (dark ? 0.40 : 0.30) : (dark ? 0.20 : 0.14);
}
} // namespace

PromptHighlighter::PromptHighlighter(QPlainTextEdit *editor)
    : QSyntaxHighlighter(editor->document())
    , m_editor(editor)
    , m_palette(editor->palette())
{
    editor->installEventFilter(this);
}

QTextCharFormat PromptHighlighter::markerFormat(int kind, const QPalette &palette)
{
    const bool dark = theme::isDark(palette);
    QTextCharFormat f;
    f.setFontWeight(QFont::Bold);
    f.setForeground(palette.color(QPalette::Text));
    f.setBackground(theme::mix(palette.color(QPalette::Base), hue(kind), tint(kind, dark, true)));
    return f;
}

QTextCharFormat PromptHighlighter::bodyFormat(int kind, const QPalette &palette)
{
    const bool dark = theme::isDark(palette);
    QTextCharFormat f;
    f.setForeground(palette.color(QPalette::Text));
    f.setBackground(theme::mix(palette.color(QPalette::Base), hue(kind), tint(kind, dark, false)));
    return f;
}

bool PromptHighlighter::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_editor && event->type() == QEvent::PaletteChange
        && m_editor->palette() != m_palette) {
        m_palette = m_editor->palette();
        rehighlight();
    }
    return QSyntaxHighlighter::eventFilter(watched, event);
}

void PromptHighlighter::highlightBlock(const QString &text)
{
    static const QRegularExpression marker(QStringLiteral("^<\\|([a-z_]+):([a-z_]+)\\|>$"));
    int state = previousBlockState();
    if (text.size() < 64) {
        const auto m = marker.match(text);
        if (m.hasMatch()) {
            const int k = int(kinds().indexOf(m.captured(2)));
            state = k < 0 ? 5 : k;
            setFormat(0, int(text.size()), markerFormat(state, m_palette));
            setCurrentBlockState(state);
            return;
        }
    }
    setCurrentBlockState(state);
    if (state >= 0)
        setFormat(0, int(text.size()), bodyFormat(state, m_palette));
}

} // namespace switchboard
