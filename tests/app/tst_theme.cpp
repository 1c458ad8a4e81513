// Themes: in the dark palette (and the light one) the prompt highlighter and the prompt
// diff write text that contrasts with its background (WCAG ratio >= 4.5), the formats
// follow a palette change at run time, and the choice round-trips through the settings.
#include "core/util/TextDiff.h"
#include "models/PaletteColor.h"
#include "widgets/DiffView.h"
#include "widgets/StatusGlyph.h"
#include "widgets/Theme.h"
#include "widgets/traces/PromptHighlighter.h"

#include <QApplication>
#include <QPlainTextEdit>
#include <QSettings>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>

using namespace switchboard;

namespace {

constexpr double kMinContrast = 4.5; // WCAG 2 AA, normal text

// The colour a format paints text with, and the one behind it, in an editor: a format
// without a foreground paints with the palette's text colour, one without a background
// shows the block's background, else the editor's base.
QColor effectiveForeground(const QTextCharFormat &f, const QPalette &palette)
{
    return f.hasProperty(QTextFormat::ForegroundBrush) && f.foreground().style() != Qt::NoBrush
        ? f.foreground().color()
        : palette.color(QPalette::Text);
}

QColor effectiveBackground(const QTextCharFormat &f, const QTextBlockFormat &block,
                           const QPalette &palette)
{
    QColor bg = palette.color(QPalette::Base);
    if (block.hasProperty(QTextFormat::BackgroundBrush)
        && block.background().style() != Qt::NoBrush)
        bg = theme::over(block.background().color(), bg);
    if (f.hasProperty(QTextFormat::BackgroundBrush) && f.background().style() != Qt::NoBrush)
        bg = theme::over(f.background().color(), bg);
    return bg;
}

// Every run of text of the editor's document (highlighter formats and the document's own
// character formats) with a contrast below the minimum, described.
QStringList lowContrast(const QPlainTextEdit *editor, const QString &what)
{
    QStringList bad;
    const QPalette palette = editor->palette();
    for (QTextBlock b = editor->document()->begin(); b.isValid(); b = b.next()) {
        if (b.text().trimmed().isEmpty())
            continue;
        QList<QPair<QTextCharFormat, QString>> runs;
        for (auto it = b.begin(); !it.atEnd(); ++it) {
            const QTextFragment frag = it.fragment();
            if (frag.isValid() && !frag.text().trimmed().isEmpty())
                runs.append({frag.charFormat(), frag.text()});
        }
        // Highlighter formats (QSyntaxHighlighter) are layout formats merged over those.
        const auto formats = b.layout()->formats();
        for (const QTextLayout::FormatRange &r : formats) {
            QTextCharFormat merged = b.charFormat();
            merged.merge(r.format);
            runs.append({merged, b.text().mid(r.start, r.length)});
        }
        for (const auto &[format, text] : std::as_const(runs)) {
            const QColor fg = effectiveForeground(format, palette);
            const QColor bg = effectiveBackground(format, b.blockFormat(), palette);
            const double ratio = theme::contrastRatio(fg, bg);
            if (ratio < kMinContrast)
                bad << QStringLiteral("%1: \"%2\" %3 on %4 = %5")
                           .arg(what, text.left(30), fg.name(), bg.name())
                           .arg(ratio, 0, 'f', 2);
        }
    }
    return bad;
}

const char kPrompt[] = "<|system:system|>\nYou are the support agent.\n"
                       "<|assistant:summary|>\nEarlier: the caller asked about a refund.\n"
                       "<|user:message|>\nWhere is my order?\n"
                       "<|tool:tool_result|>\n{\"status\": \"shipped\"}\n"
                       "<|tool:retrieval|>\nOrders ship in 2 days.\n"
                       "<|x:unknown_kind|>\nsomething else\n";

} // namespace

class TestTheme : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QCoreApplication::setOrganizationName(QStringLiteral("sb-test-theme")); }
    void cleanup() { theme::apply(theme::Choice::Light); }
    void contrastFormula();
    void choiceRoundTrips();
    void applySetsThePalette();
    void highlighterContrast_data();
    void highlighterContrast();
    void highlighterFollowsPaletteChange();
    void diffContrast_data();
    void diffContrast();
    void statusColoursReadOnBase();
    void modelTextColoursFollowTheTheme();
};

void TestTheme::contrastFormula()
{
    QCOMPARE(theme::contrastRatio(Qt::black, Qt::white), 21.0);
    QCOMPARE(theme::contrastRatio(Qt::white, Qt::white), 1.0);
    // #777777 on white: 4.48 (the classic "just fails AA" grey).
    QVERIFY(qAbs(theme::contrastRatio(QColor(0x77, 0x77, 0x77), Qt::white) - 4.48) < 0.01);
    QCOMPARE(theme::over(QColor(255, 0, 0, 0), Qt::white), QColor(Qt::white));
    QCOMPARE(theme::over(QColor(255, 0, 0, 255), Qt::white), QColor(Qt::red));
}

void TestTheme::choiceRoundTrips()
{
    QSettings().remove(QStringLiteral("appearance/theme"));
    QCOMPARE(theme::savedChoice(), theme::Choice::System);
    theme::saveChoice(theme::Choice::Dark);
    QCOMPARE(theme::savedChoice(), theme::Choice::Dark);
    QCOMPARE(QSettings().value(QStringLiteral("appearance/theme")).toString(),
             QStringLiteral("dark"));
    theme::saveChoice(theme::Choice::Light);
    QCOMPARE(theme::savedChoice(), theme::Choice::Light);
    QCOMPARE(theme::choiceFromName(QStringLiteral("bogus")), theme::Choice::System);
    QSettings().remove(QStringLiteral("appearance/theme"));
}

void TestTheme::applySetsThePalette()
{
    theme::apply(theme::Choice::Dark);
    QVERIFY(theme::isDark(QApplication::palette()));
    QCOMPARE(QApplication::style()->name().toLower(), QStringLiteral("fusion"));
    QWidget w;
    QVERIFY(theme::isDark(w.palette()));
    theme::apply(theme::Choice::Light);
    QVERIFY(!theme::isDark(QApplication::palette()));
    QVERIFY(!theme::isDark(w.palette()));
    // The palettes themselves: text on base and on window reads.
    for (const QPalette &p : {theme::lightPalette(), theme::darkPalette()}) {
        QVERIFY(theme::contrastRatio(p.color(QPalette::Text), p.color(QPalette::Base)) >= 7);
        QVERIFY(theme::contrastRatio(p.color(QPalette::WindowText), p.color(QPalette::Window))
                >= 7);
        QVERIFY(
            theme::contrastRatio(p.color(QPalette::HighlightedText), p.color(QPalette::Highlight))
            >= kMinContrast);
        QVERIFY(theme::contrastRatio(p.color(QPalette::PlaceholderText), p.color(QPalette::Base))
                >= kMinContrast);
    }
}

void TestTheme::highlighterContrast_data()
{
    QTest::addColumn<int>("choice");
    QTest::newRow("dark") << int(theme::Choice::Dark);
    QTest::newRow("light") << int(theme::Choice::Light);
}

void TestTheme::highlighterContrast()
{
    QFETCH(int, choice);
    theme::apply(theme::Choice(choice));
    QPlainTextEdit editor;
    new PromptHighlighter(&editor);
    editor.setPlainText(QString::fromUtf8(kPrompt));
    int highlighted = 0;
    for (QTextBlock b = editor.document()->begin(); b.isValid(); b = b.next())
        highlighted += b.layout()->formats().isEmpty() ? 0 : 1;
    QCOMPARE(highlighted, 12); // every line: 6 markers and 6 bodies
    const QStringList bad = lowContrast(&editor, QStringLiteral("prompt"));
    QVERIFY2(bad.isEmpty(), qPrintable(bad.join(u'\n')));
    // Segments stay distinguishable: a marker band differs from its body's background.
    const QPalette pal = editor.palette();
    for (int kind = 0; kind < 6; ++kind)
        QVERIFY(PromptHighlighter::markerFormat(kind, pal).background().color()
                != PromptHighlighter::bodyFormat(kind, pal).background().color());
}

void TestTheme::highlighterFollowsPaletteChange()
{
    theme::apply(theme::Choice::Light);
    QPlainTextEdit editor;
    new PromptHighlighter(&editor);
    editor.setPlainText(QString::fromUtf8(kPrompt));
    const QColor lightBand
        = editor.document()->begin().layout()->formats().constFirst().format.background().color();
    QVERIFY(lightBand.lightness() > 128);
    theme::apply(theme::Choice::Dark); // at run time, as View > Theme does
    const QColor darkBand
        = editor.document()->begin().layout()->formats().constFirst().format.background().color();
    QVERIFY2(darkBand.lightness() < 128, qPrintable(darkBand.name()));
    const QStringList bad = lowContrast(&editor, QStringLiteral("prompt after switch"));
    QVERIFY2(bad.isEmpty(), qPrintable(bad.join(u'\n')));
}

void TestTheme::diffContrast_data()
{
    QTest::addColumn<int>("choice");
    QTest::addColumn<bool>("switchAfter"); // rendered in light, then switched at run time
    QTest::newRow("dark") << int(theme::Choice::Dark) << false;
    QTest::newRow("light") << int(theme::Choice::Light) << false;
    QTest::newRow("light then dark") << int(theme::Choice::Dark) << true;
}

void TestTheme::diffContrast()
{
    QFETCH(int, choice);
    QFETCH(bool, switchAfter);
    theme::apply(switchAfter ? theme::Choice::Light : theme::Choice(choice));
    DiffView view;
    const QString oldText = QStringLiteral("You are a support agent.\nBe brief.\nRefunds: "
                                           "ask for the order id.\nEscalate after 3 tries.\n");
    const QString newText = QStringLiteral("You are a polite support agent.\nBe brief.\n"
                                           "Escalate after 2 tries.\nLog every refund.\n");
    view.setDiff(TextDiffResult::diff(oldText, newText), QStringLiteral("v1"),
                 QStringLiteral("v2"));
    if (switchAfter)
        theme::apply(theme::Choice(choice));
    const auto editors = view.findChildren<QPlainTextEdit *>();
    QCOMPARE(editors.size(), 3); // left, right, unified
    int checked = 0;
    for (const QPlainTextEdit *e : editors) {
        QVERIFY(theme::isDark(e->palette()) == (theme::Choice(choice) == theme::Choice::Dark));
        const QStringList bad = lowContrast(e, QStringLiteral("diff"));
        QVERIFY2(bad.isEmpty(), qPrintable(bad.join(u'\n')));
        checked += e->document()->blockCount();
    }
    QVERIFY(checked >= 12);
    // Changed lines are still told apart from context lines by their background.
    const QPlainTextEdit *left = editors.constFirst();
    QSet<QRgb> backgrounds;
    for (QTextBlock b = left->document()->begin(); b.isValid(); b = b.next())
        backgrounds.insert(effectiveBackground({}, b.blockFormat(), left->palette()).rgb());
    QVERIFY(backgrounds.size() >= 2);
}

void TestTheme::statusColoursReadOnBase()
{
    // Status words coloured with statusColor (connection indicator, outcome labels) stay
    // readable on the window and base colours of both palettes.
    for (const QPalette &p : {theme::lightPalette(), theme::darkPalette()})
        for (const StatusKind k : {StatusKind::Ok, StatusKind::Warning, StatusKind::Error})
            for (const auto role : {QPalette::Window, QPalette::Base}) {
                const double ratio = theme::contrastRatio(statusColor(k, p), p.color(role));
                QVERIFY2(ratio >= kMinContrast,
                         qPrintable(QStringLiteral("kind %1 on %2: %3")
                                        .arg(int(k))
                                        .arg(p.color(role).name())
                                        .arg(ratio)));
            }
}

void TestTheme::modelTextColoursFollowTheTheme()
{
    // Item text colours of the events, trace search and trace tree models.
    for (const theme::Choice choice : {theme::Choice::Light, theme::Choice::Dark}) {
        theme::apply(choice);
        const QPalette p = QApplication::palette();
        for (const QColor &c : {errorText(), warningText(), okText(), mutedText()}) {
            const double ratio = theme::contrastRatio(c, p.color(QPalette::Base));
            QVERIFY2(ratio >= kMinContrast,
                     qPrintable(QStringLiteral("%1 on %2: %3")
                                    .arg(c.name(), p.color(QPalette::Base).name())
                                    .arg(ratio)));
        }
    }
}

QTEST_MAIN(TestTheme)
#include "tst_theme.moc"
