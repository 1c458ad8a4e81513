#include "widgets/traces/PromptHighlighter.h"

#include <QRegularExpression>

namespace switchboard {

namespace {
const QStringList &kinds()
{
    static const QStringList k
        = {QStringLiteral("system"), QStringLiteral("summary"), QStringLiteral("message"),
           QStringLiteral("tool_result"), QStringLiteral("retrieval")};
    return k;
}
QColor band(int kind)
{
    static const QColor c[]
        = {QColor(0xee, 0xe8, 0xf7), QColor(0xf7, 0xf0, 0xdc), QColor(0xff, 0xff, 0xff),
           QColor(0xe6, 0xf4, 0xea), QColor(0xfb, 0xee, 0xe0), QColor(0xf0, 0xf0, 0xf0)};
    return c[std::clamp(kind, 0, 5)];
}
} // namespace

void PromptHighlighter::highlightBlock(const QString &text)
{
    static const QRegularExpression marker(QStringLiteral("^<\\|([a-z_]+):([a-z_]+)\\|>$"));
    int state = previousBlockState();
    if (text.size() < 64) {
        const auto m = marker.match(text);
        if (m.hasMatch()) {
            const int k = int(kinds().indexOf(m.captured(2)));
            state = k < 0 ? 5 : k;
            QTextCharFormat f;
            f.setFontWeight(QFont::Bold);
            f.setForeground(QColor(0x4b, 0x2a, 0x7a));
            f.setBackground(band(state).darker(112));
            setFormat(0, int(text.size()), f);
            setCurrentBlockState(state);
            return;
        }
    }
    setCurrentBlockState(state);
    if (state >= 0) {
        QTextCharFormat f;
        f.setBackground(band(state));
        setFormat(0, int(text.size()), f);
    }
}

} // namespace switchboard
