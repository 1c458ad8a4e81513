// models/UntrustedText: what every view uses to show what agents wrote.
#include "models/UntrustedText.h"

#include <QTest>
#include <QTextDocument>

using namespace switchboard;

class TestUntrustedHelper : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void hiddenCharactersBecomeVisible_data()
    {
        QTest::addColumn<QString>("in");
        QTest::addColumn<QString>("out");
        const auto s = [](std::initializer_list<char16_t> cs) {
            QString r;
            for (char16_t c : cs)
                r += QChar(c);
            return r;
        };
        QTest::newRow("ascii") << QStringLiteral("plain <b>") << QStringLiteral("plain <b>");
        QTest::newRow("rlo") << (QStringLiteral("a") + s({0x202e}) + QStringLiteral("b"))
                             << QStringLiteral("a⟨U+202E⟩b");
        QTest::newRow("isolates") << s({0x2066, 0x2069}) << QStringLiteral("⟨U+2066⟩⟨U+2069⟩");
        QTest::newRow("zero width") << s({0x200b, 0x200d, 0x2060, 0xfeff})
                                    << QStringLiteral("⟨U+200B⟩⟨U+200D⟩⟨U+2060⟩⟨U+FEFF⟩");
        QTest::newRow("controls") << s({0x07, 0x1b, 0x7f, 0x85})
                                  << QStringLiteral("⟨U+0007⟩⟨U+001B⟩⟨U+007F⟩⟨U+0085⟩");
        QTest::newRow("lone high")
            << (s({0xd83d}) + QStringLiteral("x")) << QStringLiteral("⟨U+D83D⟩x");
        QTest::newRow("lone low") << s({0xde00}) << QStringLiteral("⟨U+DE00⟩");
        QTest::newRow("pair kept") << s({0xd83d, 0xde00}) << s({0xd83d, 0xde00});
        QTest::newRow("tab newline kept") << QStringLiteral("a\tb\nc") << QStringLiteral("a\tb\nc");
        QTest::newRow("cr marked") << QStringLiteral("a\rb") << QStringLiteral("a⟨U+000D⟩b");
    }
    void hiddenCharactersBecomeVisible()
    {
        QFETCH(QString, in);
        QFETCH(QString, out);
        QCOMPARE(untrusted::visible(in), out);
        QCOMPARE(untrusted::needsMarking(in), in != out);
    }

    void lineIsOneBoundedLine()
    {
        QCOMPARE(untrusted::line(QStringLiteral("a\nb\tc")), QStringLiteral("a b c"));
        const QString longText(1000, QLatin1Char('x'));
        const QString cut = untrusted::line(longText, 10);
        QCOMPARE(cut.size(), 10);
        QVERIFY(cut.endsWith(QStringLiteral("…")));
        // Never half a surrogate pair.
        QString pairs;
        for (int i = 0; i < 20; ++i)
            pairs += QString::fromUtf8("😀");
        const QString p = untrusted::line(pairs, 6);
        QVERIFY(p.size() <= 6);
        for (qsizetype i = 0; i + 1 < p.size(); ++i)
            QVERIFY(!p.at(i).isHighSurrogate() || p.at(i + 1).isLowSurrogate());
        // Marks count against the bound too.
        QVERIFY(untrusted::line(QString(100, QChar(0x202e)), 20).size() <= 20);
    }

    void toolTipIsEscapedRichText()
    {
        const QString hostile = QStringLiteral("<img src=\"/dev/zero\"><b>bold</b> & <font>");
        const QString tip = untrusted::toolTip(hostile);
        QVERIFY(Qt::mightBeRichText(tip)); // so Qt never guesses on its own
        QVERIFY(!tip.contains(QStringLiteral("<img")));
        QVERIFY(!tip.contains(QStringLiteral("<b>")));
        QTextDocument doc;
        doc.setHtml(tip);
        QCOMPARE(doc.toPlainText().trimmed(), hostile);
        QVERIFY(untrusted::toolTip(QString()).isEmpty());
        // Line breaks survive, hidden characters are shown.
        doc.setHtml(untrusted::toolTip(QStringLiteral("a\nb") + QChar(0x202e)));
        QCOMPARE(doc.toPlainText(), QStringLiteral("a\nb⟨U+202E⟩"));
    }

    void htmlEscapes()
    {
        QCOMPARE(untrusted::html(QStringLiteral("<b>&")), QStringLiteral("&lt;b&gt;&amp;"));
    }
};

QTEST_GUILESS_MAIN(TestUntrustedHelper)
#include "tst_untrustedhelper.moc"
