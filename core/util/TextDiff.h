#pragma once
// A line diff of two texts with word-level marks inside changed lines: what the prompt
// diff view shows side by side or unified. A changed line is a removed line paired with
// an added one in the same change block; its words that differ are marked.
#include <QString>
#include <QStringList>
#include <QVector>

namespace switchboard {

struct TextSpan
{
    int start = 0; // in QChar units within the line
    int length = 0;
    bool operator==(const TextSpan &o) const { return start == o.start && length == o.length; }
};

struct DiffRow
{
    enum Kind { Context, Removed, Added, Changed };
    Kind kind = Context;
    int oldLine = -1; // 0-based line in the old text; -1 when the row has no old side
    int newLine = -1;
    QVector<TextSpan> oldMarks; // words that differ (Changed rows only)
    QVector<TextSpan> newMarks;
};

struct TextDiffResult
{
    QStringList oldLines;
    QStringList newLines;
    QVector<DiffRow> rows; // side by side: one row per line pair
    int added = 0; // rows with a new side only
    int removed = 0; // rows with an old side only
    int changed = 0;
    bool identical() const { return added == 0 && removed == 0 && changed == 0; }
    // Unified order: in each change block every old line ("-"), then every new one ("+").
    struct UnifiedLine
    {
        int row = 0; // index into rows
        bool oldSide = false; // the line is the row's old side (context: both are the same)
        QChar sign; // ' ', '-' or '+'
    };
    QVector<UnifiedLine> unifiedLines() const;
    QString unifiedText() const;
    const QString &text(const UnifiedLine &line) const;
};

class TextDiff
{
public:
    // Lines are split on \n (a trailing \r is kept as text). Word marks are computed for
    // changed lines up to maxWordDiffChars per line; longer lines are marked whole.
    static TextDiffResult diff(const QString &oldText, const QString &newText,
                               int maxWordDiffChars = 20000);
    // Words, whitespace runs and single punctuation characters, as spans of line.
    static QVector<TextSpan> tokenize(QStringView line);
    // Word-level marks for one changed line pair.
    static void markWords(QStringView oldLine, QStringView newLine, QVector<TextSpan> *oldMarks,
                          QVector<TextSpan> *newMarks);
};

} // namespace switchboard
