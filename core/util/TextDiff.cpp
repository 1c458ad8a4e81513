#include "core/util/TextDiff.h"

#include "core/util/SequenceDiff.h"

#include <QHash>

namespace switchboard {

namespace {

// Interns strings to integers so the diff compares numbers, not text.
class Interner
{
public:
    quint32 id(QStringView text)
    {
        const auto it = m_ids.constFind(text);
        if (it != m_ids.constEnd())
            return it.value();
        const auto next = quint32(m_ids.size());
        m_ids.insert(text, next);
        return next;
    }

private:
    QHash<QStringView, quint32> m_ids;
};

void appendMark(QVector<TextSpan> *marks, int start, int length)
{
    if (length <= 0)
        return;
    if (!marks->isEmpty() && marks->last().start + marks->last().length == start)
        marks->last().length += length;
    else
        marks->append(TextSpan {start, length});
}

} // namespace

QVector<TextSpan> TextDiff::tokenize(QStringView line)
{
    QVector<TextSpan> out;
    int i = 0;
    const int n = int(line.size());
    while (i < n) {
        const QChar c = line.at(i);
        int j = i + 1;
        if (c.isLetterOrNumber() || c == QLatin1Char('_')) {
            while (j < n && (line.at(j).isLetterOrNumber() || line.at(j) == QLatin1Char('_')))
                ++j;
        } else if (c.isSpace()) {
            while (j < n && line.at(j).isSpace())
                ++j;
        } else if (c.isHighSurrogate() && j < n) {
            ++j; // keep a surrogate pair together
        }
        out.append(TextSpan {i, j - i});
        i = j;
    }
    return out;
}

void TextDiff::markWords(QStringView oldLine, QStringView newLine, QVector<TextSpan> *oldMarks,
                         QVector<TextSpan> *newMarks)
{
    const QVector<TextSpan> a = tokenize(oldLine);
    const QVector<TextSpan> b = tokenize(newLine);
    Interner interner;
    QVector<quint32> ta, tb;
    ta.reserve(a.size());
    tb.reserve(b.size());
    for (const TextSpan &s : a)
        ta.append(interner.id(oldLine.mid(s.start, s.length)));
    for (const TextSpan &s : b)
        tb.append(interner.id(newLine.mid(s.start, s.length)));
    for (const DiffOp &op : SequenceDiff::diff(ta, tb)) {
        if (op.kind == DiffOp::Delete) {
            const int start = a.at(op.oldStart).start;
            const TextSpan &last = a.at(op.oldStart + op.count - 1);
            appendMark(oldMarks, start, last.start + last.length - start);
        } else if (op.kind == DiffOp::Insert) {
            const int start = b.at(op.newStart).start;
            const TextSpan &last = b.at(op.newStart + op.count - 1);
            appendMark(newMarks, start, last.start + last.length - start);
        }
    }
}

TextDiffResult TextDiff::diff(const QString &oldText, const QString &newText, int maxWordDiffChars)
{
    TextDiffResult result;
    result.oldLines = oldText.split(QLatin1Char('\n'));
    result.newLines = newText.split(QLatin1Char('\n'));
    Interner interner;
    QVector<quint32> a, b;
    a.reserve(result.oldLines.size());
    b.reserve(result.newLines.size());
    for (const QString &line : std::as_const(result.oldLines))
        a.append(interner.id(line));
    for (const QString &line : std::as_const(result.newLines))
        b.append(interner.id(line));

    const QVector<DiffOp> ops = SequenceDiff::diff(a, b);
    for (int i = 0; i < ops.size(); ++i) {
        const DiffOp &op = ops.at(i);
        if (op.kind == DiffOp::Equal) {
            for (int k = 0; k < op.count; ++k) {
                DiffRow row;
                row.oldLine = op.oldStart + k;
                row.newLine = op.newStart + k;
                result.rows.append(row);
            }
            continue;
        }
        // A change block: a Delete run, an Insert run, or a Delete followed by an Insert.
        int delStart = 0, delCount = 0, insStart = 0, insCount = 0;
        if (op.kind == DiffOp::Delete) {
            delStart = op.oldStart;
            delCount = op.count;
            if (i + 1 < ops.size() && ops.at(i + 1).kind == DiffOp::Insert) {
                insStart = ops.at(i + 1).newStart;
                insCount = ops.at(i + 1).count;
                ++i;
            }
        } else {
            insStart = op.newStart;
            insCount = op.count;
        }
        const int paired = qMin(delCount, insCount);
        for (int k = 0; k < paired; ++k) {
            DiffRow row;
            row.kind = DiffRow::Changed;
            row.oldLine = delStart + k;
            row.newLine = insStart + k;
            const QString &ol = result.oldLines.at(row.oldLine);
            const QString &nl = result.newLines.at(row.newLine);
            if (ol.size() + nl.size() <= maxWordDiffChars) {
                markWords(ol, nl, &row.oldMarks, &row.newMarks);
            } else {
                row.oldMarks.append(TextSpan {0, int(ol.size())});
                row.newMarks.append(TextSpan {0, int(nl.size())});
            }
            result.rows.append(row);
            ++result.changed;
        }
        for (int k = paired; k < delCount; ++k) {
            DiffRow row;
            row.kind = DiffRow::Removed;
            row.oldLine = delStart + k;
            result.rows.append(row);
            ++result.removed;
        }
        for (int k = paired; k < insCount; ++k) {
            DiffRow row;
            row.kind = DiffRow::Added;
            row.newLine = insStart + k;
            result.rows.append(row);
            ++result.added;
        }
    }
    return result;
}

QVector<TextDiffResult::UnifiedLine> TextDiffResult::unifiedLines() const
{
    QVector<UnifiedLine> out;
    out.reserve(rows.size() + changed);
    QVector<UnifiedLine> added;
    const auto flush = [&] {
        out += added;
        added.clear();
    };
    for (int i = 0; i < rows.size(); ++i) {
        const DiffRow &row = rows.at(i);
        if (row.kind == DiffRow::Context) {
            flush();
            out.append(UnifiedLine {i, true, QLatin1Char(' ')});
            continue;
        }
        if (row.oldLine >= 0)
            out.append(UnifiedLine {i, true, QLatin1Char('-')});
        if (row.newLine >= 0)
            added.append(UnifiedLine {i, false, QLatin1Char('+')});
    }
    flush();
    return out;
}

const QString &TextDiffResult::text(const UnifiedLine &line) const
{
    const DiffRow &row = rows.at(line.row);
    return line.oldSide ? oldLines.at(row.oldLine) : newLines.at(row.newLine);
}

QString TextDiffResult::unifiedText() const
{
    QString out;
    for (const UnifiedLine &line : unifiedLines())
        out += line.sign + text(line) + QLatin1Char('\n');
    return out;
}

} // namespace switchboard
