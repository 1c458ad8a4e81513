// `switchboard export` as an operator runs it from a shell: the built binary against a real
// Postgres filled by the simulator. A real session is written to both files, redacted and
// audited; a mistyped id writes nothing and says so with its own exit status.
#include "TraceFixture.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace switchboard;
using namespace switchboard::test;

namespace {
struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run runSwitchboard(const QStringList &args)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(SWITCHBOARD_BIN), args);
    if (!p.waitForFinished(60000))
        p.kill();
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}
} // namespace

class TestExportCommand : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_fx.start(), qPrintable(m_fx.error)); }

    void aSessionIsExportedRedactedAndAudited()
    {
        const QString sid = QString::fromUtf8(
            m_fx.scalar(QStringLiteral("SELECT session_id FROM agentops.spans GROUP BY 1 "
                                       "ORDER BY count(*) DESC, 1 LIMIT 1")));
        const int spans = m_fx.scalar(QStringLiteral("SELECT count(*) FROM agentops.spans WHERE "
                                                     "session_id = '%1'")
                                          .arg(sid))
                              .toInt();
        QVERIFY(spans > 0);
        QTemporaryDir dir;
        const QString html = dir.filePath(QStringLiteral("r.html"));
        const QString json = dir.filePath(QStringLiteral("r.json"));
        const Run r = runSwitchboard(
            {QStringLiteral("export"), QStringLiteral("--pg"), m_fx.dsn(),
             QStringLiteral("--operator"), QStringLiteral("pm-alice"), QStringLiteral("--session"),
             sid, QStringLiteral("--html"), html, QStringLiteral("--json"), json,
             QStringLiteral("--redact"), QStringLiteral("[a-z]+@[a-z.]+"),
             QStringLiteral("--reason"), QStringLiteral("INC-2231 post-mortem")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains(QStringLiteral("%1 spans").arg(spans)), qPrintable(r.out));
        QFile jf(json);
        QVERIFY(jf.open(QIODevice::ReadOnly));
        const QByteArray bytes = jf.readAll();
        const QJsonDocument doc = QJsonDocument::fromJson(bytes);
        QVERIFY(doc.isObject());
        QCOMPARE(doc.object().value(QStringLiteral("spans")).toArray().size(), spans);
        QVERIFY(!QRegularExpression(QStringLiteral("[a-z]+@[a-z.]+"))
                     .match(QString::fromUtf8(bytes))
                     .hasMatch());
        QFile hf(html);
        QVERIFY(hf.open(QIODevice::ReadOnly));
        QVERIFY(hf.readAll().contains(sid.toUtf8()));
        QCOMPARE(
            m_fx.scalar(QStringLiteral("SELECT operator || ' ' || outcome || ' ' || reason FROM "
                                       "agentops.operator_actions WHERE action = 'export' "
                                       "AND target = 'session:%1'")
                            .arg(sid)),
            QByteArray("pm-alice succeeded INC-2231 post-mortem"));
    }

    void aMistypedSessionWritesNothing()
    {
        QTemporaryDir dir;
        const QString html = dir.filePath(QStringLiteral("none.html"));
        const Run r = runSwitchboard({QStringLiteral("export"), QStringLiteral("--pg"), m_fx.dsn(),
                                      QStringLiteral("--session"), QStringLiteral("s-typo"),
                                      QStringLiteral("--html"), html});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(QStringLiteral("no session s-typo")), qPrintable(r.err));
        QVERIFY(!QFile::exists(html));
    }

    void usageErrorsSayWhatIsMissing()
    {
        const Run r = runSwitchboard(
            {QStringLiteral("export"), QStringLiteral("--session"), QStringLiteral("x")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("export needs --pg")), qPrintable(r.err));
    }

private:
    TraceFixture m_fx;
};

QTEST_GUILESS_MAIN(TestExportCommand)
#include "tst_exportcommand.moc"
