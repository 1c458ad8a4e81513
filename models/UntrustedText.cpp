#include "models/UntrustedText.h"

#include <QTextDocument> // Qt::convertFromPlainText

namespace switchboard::untrusted {

namespace {

// A character that must not reach the screen as itself. Surrogates are judged by the
// caller (a pair is fine, a lone one is not).
bool hidden(char16_t c, bool keepLayout)
{
    if (c < 0x20)
        return !(keepLayout && (c == u'\t' || c == u'\n'));
    if (c < 0x7f)
        return false;
    if (c <= 0x9f) // DEL and C1 controls
        return true;
    switch (c) {
    case 0x00ad: // soft hyphen
    case 0x061c: // Arabic letter mark
    case 0x180e: // Mongolian vowel separator
    case 0xfeff: // zero-width no-break space / BOM
        return true;
    default:
        break;
    }
    return (c >= 0x200b && c <= 0x200f) // zero-width space/joiners, LRM, RLM
        || (c >= 0x2028 && c <= 0x202e) // line/paragraph separators, embeddings, overrides
        || (c >= 0x2060 && c <= 0x206f) // word joiner, invisible operators, isolates
        || (c >= 0xfff9 && c <= 0xfffb); // interlinear annotations
}

bool isHigh(char16_t c)
{
    return c >= 0xd800 && c <= 0xdbff;
}
bool isLow(char16_t c)
{
    return c >= 0xdc00 && c <= 0xdfff;
}

// Index of the first character to mark, or -1.
qsizetype firstHidden(QStringView text, bool keepLayout)
{
    const qsizetype n = text.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t c = text[i].unicode();
        if (c >= 0x20 && c < 0x7f)
            continue; // the common case: printable ASCII
        if (isHigh(c)) {
            if (i + 1 < n && isLow(text[i + 1].unicode())) {
                ++i;
                continue;
            }
            return i;
        }
        if (isLow(c) || hidden(c, keepLayout))
            return i;
    }
    return -1;
}

void appendMark(QString &out, char16_t c)
{
    out += QStringLiteral("⟨U+") + QString::number(c, 16).toUpper().rightJustified(4, u'0')
        + QStringLiteral("⟩");
}

QString mark(const QString &text, bool keepLayout)
{
    const qsizetype first = firstHidden(text, keepLayout);
    if (first < 0)
        return text;
    QString out;
    out.reserve(text.size() + 16);
    out += QStringView(text).left(first);
    const qsizetype n = text.size();
    for (qsizetype i = first; i < n; ++i) {
        const char16_t c = text[i].unicode();
        if (isHigh(c) && i + 1 < n && isLow(text[i + 1].unicode())) {
            out += text[i];
            out += text[i + 1];
            ++i;
        } else if (isHigh(c) || isLow(c) || hidden(c, keepLayout)) {
            appendMark(out, c);
        } else {
            out += text[i];
        }
    }
    return out;
}

// At most maxChars code units, "…" included, never half a surrogate pair.
QString bounded(const QString &text, int maxChars)
{
    if (maxChars <= 0 || text.size() <= maxChars)
        return text;
    qsizetype cut = std::max(0, maxChars - 1);
    if (cut > 0 && isHigh(text[cut - 1].unicode()))
        --cut;
    return text.left(cut) + QStringLiteral("…");
}

} // namespace

bool needsMarking(QStringView text)
{
    return firstHidden(text, true) >= 0;
}

QString visible(const QString &text)
{
    return mark(text, true);
}

QString line(const QString &text, int maxChars)
{
    // Bound first (twice over, for the marks' growth), mark, then bound what is shown.
    QString shown = mark(bounded(text, maxChars > 0 ? maxChars * 2 : 0), true);
    if (shown.contains(u'\n') || shown.contains(u'\t'))
        shown.replace(u'\n', u' ').replace(u'\t', u' ');
    return bounded(shown, maxChars);
}

QString block(const QString &text, int maxChars)
{
    return bounded(mark(bounded(text, maxChars > 0 ? maxChars * 2 : 0), true), maxChars);
}

QString html(const QString &text, int maxChars)
{
    return block(text, maxChars).toHtmlEscaped();
}

QString toolTip(const QString &text, int maxChars)
{
    if (text.isEmpty())
        return {};
    return Qt::convertFromPlainText(block(text, maxChars), Qt::WhiteSpaceNormal);
}

} // namespace switchboard::untrusted
