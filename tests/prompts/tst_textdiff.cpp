// The prompt diff: Myers' shortest edit script (checked against a brute-force LCS length and
// by replaying the script), line rows with changed-line pairing, word marks, unified order.
#include "core/util/SequenceDiff.h"
#include "core/util/TextDiff.h"

#include <QRandomGenerator>
#include <QTest>

#include <vector>

using namespace switchboard;

namespace {

int lcsLength(const QVector<quint32> &a, const QVector<quint32> &b)
{
    std::vector<std::vector<int>> t(size_t(a.size() + 1), std::vector<int>(size_t(b.size() + 1)));
    for (int i = 1; i <= a.size(); ++i)
        for (int j = 1; j <= b.size(); ++j)
            t[size_t(i)][size_t(j)] = a[i - 1] == b[j - 1]
                ? t[size_t(i - 1)][size_t(j - 1)] + 1
                : qMax(t[size_t(i - 1)][size_t(j)], t[size_t(i)][size_t(j - 1)]);
    return t[size_t(a.size())][size_t(b.size())];
}

// Replays ops over a and checks the result is b; returns the number of Equal tokens.
int replay(const QVector<quint32> &a, const QVector<quint32> &b, const QVector<DiffOp> &ops,
           bool *ok)
{
    QVector<quint32> out;
    int ai = 0, bi = 0, equal = 0;
    *ok = true;
    for (const DiffOp &op : ops) {
        if (op.oldStart != ai || op.newStart != bi || op.count <= 0)
            *ok = false;
        if (op.kind == DiffOp::Equal) {
            for (int k = 0; k < op.count; ++k) {
                if (a.value(ai + k) != b.value(bi + k))
                    *ok = false;
                out.append(a.value(ai + k));
            }
            ai += op.count;
            bi += op.count;
            equal += op.count;
        } else if (op.kind == DiffOp::Delete) {
            ai += op.count;
        } else {
            for (int k = 0; k < op.count; ++k)
                out.append(b.value(bi + k));
            bi += op.count;
        }
    }
    if (ai != a.size() || bi != b.size() || out != b)
        *ok = false;
    return equal;
}

} // namespace

class TestTextDiff : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void emptyAndIdentical();
    void shortestScriptOnRandomInputs();
    void changedLinesArePairedWithWordMarks();
    void unifiedGroupsRemovalsBeforeAdditions();
    void tokenizeKeepsWordsAndPunctuation();
    void longLinesAreMarkedWhole();
};

void TestTextDiff::emptyAndIdentical()
{
    QVERIFY(SequenceDiff::diff({}, {}).isEmpty());
    QCOMPARE(SequenceDiff::diff({1, 2}, {}), (QVector<DiffOp> {{DiffOp::Delete, 0, 0, 2}}));
    QCOMPARE(SequenceDiff::diff({}, {1, 2}), (QVector<DiffOp> {{DiffOp::Insert, 0, 0, 2}}));
    QCOMPARE(SequenceDiff::diff({1, 2, 3}, {1, 2, 3}),
             (QVector<DiffOp> {{DiffOp::Equal, 0, 0, 3}}));
    const TextDiffResult same = TextDiff::diff(QStringLiteral("a\nb"), QStringLiteral("a\nb"));
    QVERIFY(same.identical());
    QCOMPARE(same.rows.size(), 2);
}

void TestTextDiff::shortestScriptOnRandomInputs()
{
    QRandomGenerator rng(7);
    for (int round = 0; round < 400; ++round) {
        QVector<quint32> a, b;
        const int alphabet = 2 + int(rng.bounded(6));
        for (int i = int(rng.bounded(40)); i > 0; --i)
            a.append(rng.bounded(alphabet));
        for (int i = int(rng.bounded(40)); i > 0; --i)
            b.append(rng.bounded(alphabet));
        const QVector<DiffOp> ops = SequenceDiff::diff(a, b);
        bool ok = false;
        const int equal = replay(a, b, ops, &ok);
        QVERIFY2(ok,
                 qPrintable(QStringLiteral("round %1: script does not turn a into b").arg(round)));
        // Shortest edit script == longest common subsequence kept.
        QCOMPARE(equal, lcsLength(a, b));
        for (int i = 1; i < ops.size(); ++i) {
            QVERIFY(ops[i].kind != ops[i - 1].kind); // runs are merged
            QVERIFY(!(ops[i - 1].kind == DiffOp::Insert && ops[i].kind == DiffOp::Delete));
        }
    }
}

void TestTextDiff::changedLinesArePairedWithWordMarks()
{
    const QString oldText
        = QStringLiteral("You are triage.\nUse the search tool first.\nBe brief.");
    const QString newText
        = QStringLiteral("You are triage.\nUse the lookup tool first.\nBe brief.\nCite sources.");
    const TextDiffResult r = TextDiff::diff(oldText, newText);
    QCOMPARE(r.rows.size(), 4);
    QCOMPARE(r.changed, 1);
    QCOMPARE(r.added, 1);
    QCOMPARE(r.removed, 0);
    const DiffRow &changed = r.rows.at(1);
    QCOMPARE(changed.kind, DiffRow::Changed);
    QCOMPARE(changed.oldMarks, (QVector<TextSpan> {{8, 6}})); // "search"
    QCOMPARE(changed.newMarks, (QVector<TextSpan> {{8, 6}})); // "lookup"
    QCOMPARE(r.rows.at(3).kind, DiffRow::Added);
    QCOMPARE(r.rows.at(3).newLine, 3);
    QCOMPARE(r.rows.at(3).oldLine, -1);
}

void TestTextDiff::unifiedGroupsRemovalsBeforeAdditions()
{
    const TextDiffResult r
        = TextDiff::diff(QStringLiteral("a\nb\nc\nd"), QStringLiteral("a\nB\nC\nd"));
    QCOMPARE(r.unifiedText(), QStringLiteral(" a\n-b\n-c\n+B\n+C\n d\n"));
}

void TestTextDiff::tokenizeKeepsWordsAndPunctuation()
{
    const QString line = QStringLiteral("max_tokens: 512, ok");
    QStringList parts;
    for (const TextSpan &s : TextDiff::tokenize(line))
        parts << line.mid(s.start, s.length);
    QCOMPARE(parts,
             (QStringList {QStringLiteral("max_tokens"), QStringLiteral(":"), QStringLiteral(" "),
                           QStringLiteral("512"), QStringLiteral(","), QStringLiteral(" "),
                           QStringLiteral("ok")}));
}

void TestTextDiff::longLinesAreMarkedWhole()
{
    const QString a(300, QLatin1Char('a'));
    const QString b = a + QLatin1Char('b');
    const TextDiffResult r = TextDiff::diff(a, b, 100);
    QCOMPARE(r.rows.size(), 1);
    QCOMPARE(r.rows.at(0).newMarks, (QVector<TextSpan> {{0, 301}}));
}

QTEST_GUILESS_MAIN(TestTextDiff)
#include "tst_textdiff.moc"
