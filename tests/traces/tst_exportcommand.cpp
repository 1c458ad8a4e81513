// `switchboard export` as an operator runs it from a shell: the built binary against a real
// Postgres filled by the simulator. A real session is written to both files, redacted and
// audited; a mistyped id writes nothing and says so with its own exit status.
#include "TraceFixture.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace switchboard;
using namespace switchboard::test;

namespace {
struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

int fileMode(const QString &path)
{
    struct stat st;
    if (::lstat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 07777);
}

QStringList entries(const QString &dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
}

Run runSwitchboard(const QStringList &args, const QHash<QString, QString> &extraEnv = {})
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    for (auto it = extraEnv.begin(); it != extraEnv.end(); ++it)
        env.insert(it.key(), it.value());
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
        const mode_t oldMask = ::umask(022); // the usual one: files would be 0644
        const Run r = runSwitchboard(
            {QStringLiteral("export"), QStringLiteral("--pg"), m_fx.dsn(),
             QStringLiteral("--operator"), QStringLiteral("pm-alice"), QStringLiteral("--session"),
             sid, QStringLiteral("--html"), html, QStringLiteral("--json"), json,
             QStringLiteral("--redact"), QStringLiteral("[a-z]+@[a-z.]+"),
             QStringLiteral("--reason"), QStringLiteral("INC-2231 post-mortem")});
        ::umask(oldMask);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains(QStringLiteral("%1 spans").arg(spans)), qPrintable(r.out));
        QCOMPARE(fileMode(html), 0600);
        QCOMPARE(fileMode(json), 0600);
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

    // Fail closed: when the audit row cannot be written (no EXECUTE on record_export, or
    // the primary is down while the replica answers) no file exists and the exit is 4.
    void noAuditRowNoFile()
    {
        const QString sid = QString::fromUtf8(m_fx.scalar(
            QStringLiteral("SELECT session_id FROM agentops.spans GROUP BY 1 ORDER BY 1 LIMIT 1")));
        QVERIFY(m_fx.pg.createLogin(QStringLiteral("viewer_cli"), QStringLiteral("pw"),
                                    {QStringLiteral("agentops_viewer")}));
        const QString viewerDsn
            = QStringLiteral("host=127.0.0.1 port=%1 user=viewer_cli dbname=%2 connect_timeout=10")
                  .arg(m_fx.pg.port())
                  .arg(m_fx.db);
        int dead = 1;
        {
            QTcpServer s;
            QVERIFY(s.listen(QHostAddress::LocalHost, 0));
            dead = s.serverPort();
        }
        const QString deadDsn = QStringLiteral("host=127.0.0.1 port=%1 user=postgres dbname=%2 "
                                               "connect_timeout=3")
                                    .arg(dead)
                                    .arg(m_fx.db);
        const QByteArray before
            = m_fx.scalar(QStringLiteral("SELECT count(*) FROM agentops.operator_actions"));
        struct Case
        {
            QStringList pg;
            QString why;
        };
        for (const Case &c :
             {Case {{QStringLiteral("--pg"), viewerDsn}, QStringLiteral("permission denied")},
              Case {{QStringLiteral("--pg"), deadDsn, QStringLiteral("--pg-replica"), m_fx.dsn()},
                    QStringLiteral("Connection refused")}}) {
            QTemporaryDir dir;
            const QString html = dir.filePath(QStringLiteral("r.html"));
            const QString json = dir.filePath(QStringLiteral("r.json"));
            const Run r = runSwitchboard(QStringList {QStringLiteral("export")} + c.pg
                                             + QStringList {QStringLiteral("--session"), sid,
                                                            QStringLiteral("--html"), html,
                                                            QStringLiteral("--json"), json},
                                         {{QStringLiteral("PGPASSWORD"), QStringLiteral("pw")}});
            QVERIFY2(r.exitCode == 4, qPrintable(QString::number(r.exitCode) + r.out + r.err));
            QVERIFY2(r.err.contains(QStringLiteral("audit row could not be written")),
                     qPrintable(r.err));
            QVERIFY2(r.err.contains(c.why), qPrintable(r.err));
            QVERIFY2(r.err.contains(QStringLiteral("nothing written")), qPrintable(r.err));
            QCOMPARE(entries(dir.path()), QStringList());
        }
        QCOMPARE(m_fx.scalar(QStringLiteral("SELECT count(*) FROM agentops.operator_actions")),
                 before);
    }

    void redactIdsIsAnOption()
    {
        const QString sid = QString::fromUtf8(m_fx.scalar(
            QStringLiteral("SELECT session_id FROM agentops.spans GROUP BY 1 ORDER BY 1 LIMIT 1")));
        QTemporaryDir dir;
        const QString json = dir.filePath(QStringLiteral("r.json"));
        const Run r = runSwitchboard({QStringLiteral("export"), QStringLiteral("--pg"), m_fx.dsn(),
                                      QStringLiteral("--session"), sid, QStringLiteral("--json"),
                                      json, QStringLiteral("--redact-ids")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains(QStringLiteral("identifiers pseudonymised")), qPrintable(r.out));
        QFile jf(json);
        QVERIFY(jf.open(QIODevice::ReadOnly));
        const QByteArray bytes = jf.readAll();
        QVERIFY(!bytes.contains(sid.toUtf8()));
        const QJsonObject b = QJsonDocument::fromJson(bytes).object();
        QCOMPARE(b.value(QStringLiteral("session_id")).toString(), QStringLiteral("session-1"));
        QVERIFY(b.value(QStringLiteral("spans")).toArray().size() > 0);
        QCOMPARE(m_fx.scalar(QStringLiteral("SELECT params->>'redact_ids' FROM "
                                            "agentops.operator_actions WHERE action = 'export' "
                                            "ORDER BY id DESC LIMIT 1")),
                 QByteArray("true"));
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
