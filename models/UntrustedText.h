#pragma once
// The one rule for text that agents, bridges or other consoles wrote (docs/style.md,
// "Untrusted everything"): it is shown as plain text, bounded, with every character that
// could hide or reorder what is shown made visible. Qt guesses HTML for labels, tooltips
// and message boxes (Qt::AutoText, Qt::mightBeRichText): a `<img src="/dev/zero">` shown
// that way reads the file. Views never pass untrusted text to Qt without one of these.
//
// QtGui only, so models can use it; widgets/UntrustedLabel.h sets labels, widget tooltips
// and message boxes with it.
#include <QString>
#include <QStringView>

namespace switchboard::untrusted {

// Bounds in characters (UTF-16 code units) for the forms below.
inline constexpr int kLineChars = 300; // a label, a cell, a window title
inline constexpr int kToolTipChars = 4000; // a tooltip
inline constexpr int kMessageChars = 16384; // a message box, a multi-line pane

// Control characters (C0 but tab and newline, DEL, C1), bidi embeddings, overrides,
// isolates and marks (U+061C, U+200E/F, U+202A–202E, U+2066–2069), zero-width and
// invisible characters (U+00AD, U+180E, U+200B–200D, U+2028/9, U+2060–2064, U+206A–206F,
// U+FEFF, U+FFF9–FFFB) and lone surrogates become a visible `⟨U+202E⟩`. Returns the
// same (shared) string when there is nothing to change.
QString visible(const QString &text);
// True when visible() would change the text.
bool needsMarking(QStringView text);

// One line: visible(), tabs and line breaks as spaces, at most maxChars (ending in "…",
// never splitting a surrogate pair).
QString line(const QString &text, int maxChars = kLineChars);
// Several lines: visible() keeping tabs and newlines, at most maxChars.
QString block(const QString &text, int maxChars = kMessageChars);

// For HTML that the console builds itself (a rich-text pane): block(), then escaped.
QString html(const QString &text, int maxChars = kMessageChars);

// A tooltip: block() turned into rich text with everything escaped
// (Qt::convertFromPlainText), so Qt renders it as text whatever it looks like. Never hand
// a tooltip plain text that Qt could guess as HTML. Empty text gives an empty tooltip.
QString toolTip(const QString &text, int maxChars = kToolTipChars);

} // namespace switchboard::untrusted
