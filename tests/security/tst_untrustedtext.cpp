// Issue 17, "One rule for untrusted text": every contract field the views show is seeded
// with markup (`<img src="/dev/zero">`, `<img src="FILE">` for a file of this test, an
// `<img>` of a missing file, `<b>`, `<font>`), bidi overrides, zero-width and control
// characters, directly into a real redis-server and PostgreSQL. The whole console is
// opened on them; every view is shown, rows selected, every dialog and every tooltip
// opened. Nothing may be rendered as rich text, nothing loaded from disk (the resource
// provider of every QTextDocument, and the file's atime), no raw control or bidi
// character may reach a label, tooltip, title or cell, and the event loop must stay
// responsive (a watchdog thread ends the test if it stalls: a /dev/zero read never ends).
#include "app/AppOptions.h"
#include "app/ConsoleController.h"
#include "app/MainWindow.h"
#include "core/services/ControlChannel.h"
#include "support/PostgresServer.h"
#include "support/RedisServer.h"
#include "widgets/ContextCompositionView.h"
#include "widgets/EventsView.h"
#include "widgets/ProcessesView.h"
#include "widgets/PromptsView.h"
#include "widgets/ReloadDialog.h"
#include "widgets/RollbackDialog.h"
#include "widgets/SessionThresholdsDialog.h"
#include "widgets/SessionsView.h"
#include "widgets/traces/ExportDialog.h"
#include "widgets/traces/TraceInspector.h"
#include "widgets/traces/TracesView.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QHelpEvent>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QSet>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>
#include <QTextEdit>
#include <QTimer>
#include <QToolTip>
#include <QTreeView>
#include <QUrl>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <sys/stat.h>
#include <thread>

using namespace switchboard;
using namespace switchboard::test;

namespace {

// Characters that must never reach the screen as themselves.
const char16_t kRawForbidden[] = {0x202e, 0x202c, 0x200b, 0x0007, 0x001b};

qint64 atimeNs(const QString &path)
{
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return qint64(st.st_atim.tv_sec) * 1000000000 + st.st_atim.tv_nsec;
}

// atime a day before mtime: relatime then updates it on the next read.
bool ageAtime(const QString &path)
{
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return false;
    struct timespec times[2];
    times[0].tv_sec = st.st_mtim.tv_sec - 86400;
    times[0].tv_nsec = 0;
    times[1] = st.st_mtim;
    return ::utimensat(AT_FDCWD, QFile::encodeName(path).constData(), times, 0) == 0;
}

QString json(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// $q$…$q$: no escaping of the hostile text in SQL.
QString lit(const QString &s)
{
    return QStringLiteral("$q$") + s + QStringLiteral("$q$");
}

} // namespace

class TestUntrustedText : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void everyViewShowsAgentTextLiterally();
    void cleanupTestCase();

private:
    void seedRedis(qint64 now);
    void seedStreams(qint64 now);
    void seedPostgres();
    void check(const QString &text, Qt::TextFormat format, const QString &where);
    void checkWidgets(const QString &where);
    void showTip(QWidget *w, QPoint pos, const QString &where);
    void sweep(QWidget *root, const QString &where);
    void sweepView(QAbstractItemView *view, const QString &where);
    QString png(const QString &name) const;

    RedisServer m_redis;
    PostgresServer m_pg;
    QTemporaryDir m_dir;
    QString m_file; // <img src="FILE">: must never be read
    QString m_h; // the hostile text
    QString m_sid; // hostile session id
    QString m_host, m_app, m_agent;
    qint64 m_atimeBefore = -1;
    bool m_atimeWorks = false;
    QSet<QString> m_failures;
    int m_tipsShown = 0;

    // Responsiveness: the GUI thread beats, a watchdog thread checks.
    QTimer m_beat;
    QElapsedTimer m_clock;
    std::atomic<qint64> m_lastBeat {0};
    std::atomic<bool> m_stop {false};
    qint64 m_maxGapMs = 0;
    std::thread m_watchdog;
};

QStringList g_resourceRequests;

void TestUntrustedText::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // A real image, so a renderer that reads it would show it.
    m_file = m_dir.filePath(QStringLiteral("secret.png"));
    QImage img(8, 8, QImage::Format_RGB32);
    img.fill(Qt::red);
    QVERIFY(img.save(m_file));

    // Does this mount update atime on a read (relatime: only when atime <= mtime)?
    const QString probe = m_dir.filePath(QStringLiteral("probe.png"));
    QVERIFY(img.save(probe));
    QVERIFY(ageAtime(probe));
    const qint64 before = atimeNs(probe);
    {
        QFile f(probe);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(!f.readAll().isEmpty());
    }
    m_atimeWorks = atimeNs(probe) != before;
    if (!m_atimeWorks)
        qWarning("this mount does not update atime on reads (noatime): the resource hook alone "
                 "checks that nothing is loaded");
    QVERIFY(ageAtime(m_file));
    m_atimeBefore = atimeNs(m_file);

    // Qt reads an <img> of rich text itself (QTextDocument::loadResource) and asks the
    // resource provider only for what it could not read: a missing file is recorded here,
    // an existing one shows in its atime, /dev/zero hangs the event loop (the watchdog).
    QTextDocument::setDefaultResourceProvider([](const QUrl &url) -> QVariant {
        g_resourceRequests.append(url.toString());
        return {};
    });
    // UNTRUSTED_TEXT_NO_DEV_ZERO=1 lists every other hole of a build that still hangs.
    const QString zero = qEnvironmentVariableIsSet("UNTRUSTED_TEXT_NO_DEV_ZERO")
        ? QStringLiteral("/nonexistent/dev-zero")
        : QStringLiteral("/dev/zero");

    m_h = QStringLiteral("<img src=\"") + zero + QStringLiteral("\"><img src=\"") + m_file
        + QStringLiteral("\"><img src=\"/nonexistent/switchboard-probe.png\"><b>bold</b><font "
                         "color=red>red</font> x")
        + QChar(0x202e) + QStringLiteral("evil") + QChar(0x202c) + QStringLiteral(" zw")
        + QChar(0x200b) + QStringLiteral("sp bell") + QChar(0x07) + QStringLiteral(" esc")
        + QChar(0x1b) + QStringLiteral("[31m");
    m_sid = m_h + QStringLiteral("-s1");
    m_host = m_h + QStringLiteral("-host");
    m_app = m_h + QStringLiteral("-app");
    m_agent = m_h + QStringLiteral("-agent");

    QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createDatabase(QStringLiteral("agentops"), true), qPrintable(m_pg.error()));

    m_clock.start();
    m_lastBeat = 0;
    m_beat.setInterval(50);
    connect(&m_beat, &QTimer::timeout, this, [this] {
        const qint64 now = m_clock.elapsed();
        m_maxGapMs = std::max(m_maxGapMs, now - m_lastBeat.load());
        m_lastBeat = now;
    });
    m_beat.start();
    const qint64 origin = QDateTime::currentMSecsSinceEpoch() - m_clock.elapsed();
    m_watchdog = std::thread([this, origin] {
        while (!m_stop) {
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            const qint64 now = QDateTime::currentMSecsSinceEpoch() - origin;
            if (now - m_lastBeat.load() > 60000) {
                std::fprintf(stderr,
                             "FAIL! tst_untrustedtext: the event loop has not run for "
                             "60 s (did something read /dev/zero?)\n");
                std::fflush(stderr);
                std::_Exit(3);
            }
        }
    });
}

void TestUntrustedText::cleanupTestCase()
{
    m_stop = true;
    if (m_watchdog.joinable())
        m_watchdog.join();
    QTextDocument::setDefaultResourceProvider({});
}

void TestUntrustedText::seedRedis(qint64 now)
{
    const QString ns = QStringLiteral("agentops:");
    const QString n = QString::number(now);
    // A process and a bad one (status is not an enum value: a marked bad row).
    const QString member = m_host + QStringLiteral(":") + m_app + QStringLiteral(":0");
    m_redis.cli({QStringLiteral("HSET"),         ns + QStringLiteral("proc:") + member,
                 QStringLiteral("host"),         m_host,
                 QStringLiteral("app"),          m_app,
                 QStringLiteral("pm_id"),        QStringLiteral("0"),
                 QStringLiteral("pid"),          QStringLiteral("4242"),
                 QStringLiteral("layer"),        m_h,
                 QStringLiteral("namespace"),    m_h,
                 QStringLiteral("status"),       QStringLiteral("online"),
                 QStringLiteral("exec_mode"),    QStringLiteral("cluster"),
                 QStringLiteral("instances"),    QStringLiteral("1"),
                 QStringLiteral("restarts"),     QStringLiteral("2"),
                 QStringLiteral("started_at"),   QString::number(now - 60000),
                 QStringLiteral("cpu"),          QStringLiteral("1.5"),
                 QStringLiteral("memory"),       QStringLiteral("1000000"),
                 QStringLiteral("version"),      m_h,
                 QStringLiteral("heartbeat_at"), n,
                 QStringLiteral("heartbeat_ms"), QStringLiteral("600000")});
    const QString badMember = m_host + QStringLiteral(":bad-app:1");
    m_redis.cli({QStringLiteral("HSET"), ns + QStringLiteral("proc:") + badMember,
                 QStringLiteral("host"), m_host, QStringLiteral("app"), QStringLiteral("bad-app"),
                 QStringLiteral("pm_id"), QStringLiteral("1"), QStringLiteral("status"), m_h,
                 QStringLiteral("exec_mode"), QStringLiteral("fork"), QStringLiteral("restarts"),
                 QStringLiteral("0"), QStringLiteral("heartbeat_at"), n,
                 QStringLiteral("heartbeat_ms"), QStringLiteral("600000")});
    m_redis.cli({QStringLiteral("ZADD"), ns + QStringLiteral("procs"), n, member, n, badMember});

    // The fullest session (auto-selected), and a bad one.
    m_redis.cli({QStringLiteral("HSET"),           ns + QStringLiteral("session:") + m_sid,
                 QStringLiteral("agent"),          m_agent,
                 QStringLiteral("layer"),          m_h,
                 QStringLiteral("channel"),        m_h,
                 QStringLiteral("host"),           m_host,
                 QStringLiteral("started_at"),     QString::number(now - 60000),
                 QStringLiteral("updated_at"),     n,
                 QStringLiteral("turns"),          QStringLiteral("3"),
                 QStringLiteral("ctx_tokens"),     QStringLiteral("190000"),
                 QStringLiteral("ctx_limit"),      QStringLiteral("200000"),
                 QStringLiteral("summaries"),      QStringLiteral("1"),
                 QStringLiteral("model"),          m_h,
                 QStringLiteral("prompt_version"), QStringLiteral("2"),
                 QStringLiteral("state"),          QStringLiteral("active")});
    const QString badSid = QStringLiteral("s-bad");
    m_redis.cli({QStringLiteral("HSET"), ns + QStringLiteral("session:") + badSid,
                 QStringLiteral("agent"), m_agent, QStringLiteral("started_at"), n,
                 QStringLiteral("updated_at"), n, QStringLiteral("turns"), QStringLiteral("1"),
                 QStringLiteral("ctx_tokens"), QStringLiteral("10"), QStringLiteral("ctx_limit"),
                 QStringLiteral("100"), QStringLiteral("model"), m_h, QStringLiteral("state"),
                 m_h});
    m_redis.cli({QStringLiteral("ZADD"), ns + QStringLiteral("sessions"), n, m_sid, n, badSid});

    QJsonArray segments;
    segments.append(QJsonObject {{QStringLiteral("kind"), QStringLiteral("system")},
                                 {QStringLiteral("role"), m_h},
                                 {QStringLiteral("tokens"), 10000},
                                 {QStringLiteral("text"), m_h}});
    segments.append(
        QJsonObject {{QStringLiteral("kind"), QStringLiteral("message")},
                     {QStringLiteral("role"), QStringLiteral("user")},
                     {QStringLiteral("tokens"), 180000},
                     {QStringLiteral("text"), QString(m_h + QStringLiteral("\nline 2"))}});
    m_redis.cli({QStringLiteral("SET"),
                 ns + QStringLiteral("session:") + m_sid + QStringLiteral(":ctx"),
                 json({{QStringLiteral("limit"), 200000},
                       {QStringLiteral("model"), m_h},
                       {QStringLiteral("updated_at"), double(now)},
                       {QStringLiteral("segments"), segments}})});

    m_redis.cli({QStringLiteral("HSET"), ns + QStringLiteral("prompt:") + m_agent,
                 QStringLiteral("version"), QStringLiteral("2"), QStringLiteral("model"), m_h,
                 QStringLiteral("deployment_id"), QStringLiteral("2"),
                 QStringLiteral("deployed_at"), n});
}

void TestUntrustedText::seedStreams(qint64 now)
{
    const QString ns = QStringLiteral("agentops:");
    const QString n = QString::number(now);
    m_redis.cli({QStringLiteral("XADD"), ns + QStringLiteral("proc-events"), QStringLiteral("*"),
                 QStringLiteral("at"), n, QStringLiteral("host"), m_host, QStringLiteral("app"),
                 m_app, QStringLiteral("pm_id"), QStringLiteral("0"), QStringLiteral("event"),
                 QStringLiteral("exception"), QStringLiteral("detail"),
                 json({{QStringLiteral("message"), m_h}, {QStringLiteral("by"), m_h}})});
    m_redis.cli({QStringLiteral("XADD"),
                 ns + QStringLiteral("events"),
                 QStringLiteral("*"),
                 QStringLiteral("at"),
                 n,
                 QStringLiteral("session_id"),
                 m_sid,
                 QStringLiteral("agent"),
                 m_agent,
                 QStringLiteral("host"),
                 m_host,
                 QStringLiteral("kind"),
                 QStringLiteral("tool_error"),
                 QStringLiteral("recoverable"),
                 QStringLiteral("1"),
                 QStringLiteral("strategy"),
                 QStringLiteral("alternative_tool"),
                 QStringLiteral("outcome"),
                 QStringLiteral("failed"),
                 QStringLiteral("attempt"),
                 QStringLiteral("1"),
                 QStringLiteral("trace_id"),
                 m_h,
                 QStringLiteral("span_id"),
                 QStringLiteral("sp1"),
                 QStringLiteral("message"),
                 m_h,
                 QStringLiteral("detail"),
                 json({{QStringLiteral("tool"), m_h}, {QStringLiteral("error"), m_h}})});
    // A bad event: kind is not an enum value (its reason quotes the value).
    m_redis.cli({QStringLiteral("XADD"),
                 ns + QStringLiteral("events"),
                 QStringLiteral("*"),
                 QStringLiteral("at"),
                 n,
                 QStringLiteral("session_id"),
                 m_sid,
                 QStringLiteral("agent"),
                 m_agent,
                 QStringLiteral("kind"),
                 m_h,
                 QStringLiteral("recoverable"),
                 QStringLiteral("1"),
                 QStringLiteral("strategy"),
                 QStringLiteral("retry"),
                 QStringLiteral("outcome"),
                 QStringLiteral("failed"),
                 QStringLiteral("attempt"),
                 QStringLiteral("1"),
                 QStringLiteral("message"),
                 m_h});
    m_redis.cli({QStringLiteral("XADD"), ns + QStringLiteral("control-results"),
                 QStringLiteral("*"), QStringLiteral("cmd_id"),
                 QStringLiteral("00000000-0000-4000-8000-000000000001"), QStringLiteral("host"),
                 m_host, QStringLiteral("state"), QStringLiteral("failed"),
                 QStringLiteral("message"), m_h, QStringLiteral("at"), n});
}

void TestUntrustedText::seedPostgres()
{
    const QDateTime t0 = QDateTime::currentDateTimeUtc().addSecs(-120);
    const QDateTime t1 = t0.addMSecs(250);
    const auto ts = [](const QDateTime &t) -> QString {
        return QStringLiteral("'") + t.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"))
            + QStringLiteral("+00'");
    };
    const auto pathElement = [](const QDateTime &t, const QString &id) -> QString {
        return t.toString(QStringLiteral("yyyyMMdd'T'HHmmsszzz")) + QStringLiteral("Z") + id;
    };
    const QString p1 = pathElement(t0, QStringLiteral("sp1"));
    const QString p2 = p1 + QStringLiteral(".") + pathElement(t1, QStringLiteral("sp2"));
    const QString h = lit(m_h);
    const QString attrs = json({{QStringLiteral("gen_ai.request.model"), m_h},
                                {QStringLiteral("error.type"), m_h},
                                {m_h, m_h}});
    const QString toolInput = json({{m_h, m_h}, {QStringLiteral("q"), m_h}});
    QStringList sql;
    sql << QStringLiteral(
               "INSERT INTO agentops.sessions (session_id, agent, layer, channel, host, "
               "started_at, turns, outcome, max_fill_pct, had_recovery_events, "
               "recovery_event_count, prompt_version, model) VALUES (%1, %2, %3, %3, %4, %5, 3, "
               "'failed', 95, true, 1, 2, %3)")
               .arg(lit(m_sid), lit(m_agent), h, lit(m_host), ts(t0));
    sql << QStringLiteral(
               "INSERT INTO agentops.spans (span_id, trace_id, parent_id, session_id, turn, kind, "
               "name, agent, host, model, prompt_version, started_at, duration_ms, status, error, "
               "error_type, path, depth, subtree_tokens, subtree_errors, attrs, input, output, "
               "input_bytes, output_bytes, input_tokens, output_tokens) VALUES "
               "('sp1', %1, NULL, %2, 0, 'llm', %1, %3, %4, %1, 2, %5, 1200, 'error', %1, %1, "
               "%6, 0, 30, 1, %7::jsonb, %1, %1, length(%1), length(%1), 10, 20), "
               "('sp2', %1, 'sp1', %2, 0, 'tool', %1, %3, %4, NULL, 2, %8, 300, 'ok', NULL, "
               "NULL, %9, 1, 0, 0, %7::jsonb, %10, %1, length(%10), length(%1), NULL, NULL)")
               .arg(h, lit(m_sid), lit(m_agent), lit(m_host), ts(t0), lit(p1), lit(attrs), ts(t1),
                    lit(p2))
               .arg(lit(toolInput));
    sql << QStringLiteral(
               "INSERT INTO agentops.recovery_events (at, session_id, agent, host, kind, "
               "recoverable, strategy, outcome, attempt, trace_id, span_id, message, detail) "
               "VALUES (%1, %2, %3, %4, 'tool_error', true, 'alternative_tool', 'failed', 1, %5, "
               "'sp1', %5, %6::jsonb)")
               .arg(ts(t1), lit(m_sid), lit(m_agent), lit(m_host), h,
                    lit(json({{QStringLiteral("error"), m_h}})));
    sql << QStringLiteral(
               "INSERT INTO agentops.process_events (at, host, app, pm_id, event, detail) "
               "VALUES (%1, %2, %3, 0, 'exception', %4::jsonb)")
               .arg(ts(t1), lit(m_host), lit(m_app), lit(json({{QStringLiteral("message"), m_h}})));
    for (int v = 1; v <= 2; ++v)
        sql << QStringLiteral(
                   "INSERT INTO agentops.prompt_versions (agent, version, body, model, params, "
                   "created_at, created_by, note, eval_suite, eval_score, eval_passed) VALUES "
                   "(%1, %2, %3, %3, '{\"temperature\": 0.2}', now() - interval '3 hours', %3, "
                   "%3, %3, 0.9, %4)")
                   .arg(lit(m_agent))
                   .arg(v)
                   .arg(h, v == 1 ? QStringLiteral("true") : QStringLiteral("false"));
    sql << QStringLiteral(
               "INSERT INTO agentops.prompt_deployments (agent, version, deployed_at, "
               "deployed_by, kind, reason) VALUES (%1, 1, now() - interval '2 hours', %2, "
               "'deploy', %2)")
               .arg(lit(m_agent), h);
    sql << QStringLiteral(
               "INSERT INTO agentops.prompt_deployments (agent, version, deployed_at, "
               "deployed_by, kind, reason, previous_version, previous_deployment_id) SELECT %1, "
               "2, now() - interval '1 hour', %2, 'deploy', %2, 1, max(id) FROM "
               "agentops.prompt_deployments")
               .arg(lit(m_agent), h);
    sql << QStringLiteral("INSERT INTO agentops.operator_actions (operator, client_host, action, "
                          "target, reason, params, outcome, detail) VALUES (%1, %1, 'reload', "
                          "%2, %1, %3::jsonb, 'requested', %3::jsonb)")
               .arg(h, lit(QStringLiteral("proc:") + m_host), lit(json({{m_h, m_h}})));
    for (const QString &s : std::as_const(sql)) {
        bool ok = false;
        const QByteArray out = m_pg.psql(QStringLiteral("agentops"), s, &ok);
        QVERIFY2(ok, qPrintable(s.left(300) + QStringLiteral(": ") + QString::fromUtf8(out)));
    }
}

void TestUntrustedText::check(const QString &text, Qt::TextFormat format, const QString &where)
{
    if (text.isEmpty())
        return;
    const bool rich
        = format == Qt::RichText || (format == Qt::AutoText && Qt::mightBeRichText(text));
    if (rich) {
        for (const char *marker : {"<img", "<b>bold", "<font"})
            if (text.contains(QLatin1String(marker), Qt::CaseInsensitive))
                m_failures.insert(
                    QStringLiteral("%1: rendered as rich text: %2").arg(where, text.left(120)));
    }
    for (char16_t c : kRawForbidden)
        if (text.contains(QChar(c)))
            m_failures.insert(QStringLiteral("%1: raw U+%2 shown")
                                  .arg(where)
                                  .arg(int(c), 4, 16, QLatin1Char('0')));
}

void TestUntrustedText::checkWidgets(const QString &where)
{
    const auto widgets = QApplication::allWidgets();
    for (QWidget *w : widgets) {
        const QString name = where + QStringLiteral(" / ")
            + QString::fromLatin1(w->metaObject()->className()) + QStringLiteral(" ")
            + w->objectName();
        if (auto *l = qobject_cast<QLabel *>(w)) {
            check(l->text(), l->textFormat(), name + QStringLiteral(" label"));
            if (l->isVisible())
                (void)l->sizeHint(); // lays a rich text out (and would load its images)
        }
        if (auto *b = qobject_cast<QAbstractButton *>(w))
            check(b->text(), Qt::PlainText, name + QStringLiteral(" button"));
        if (auto *e = qobject_cast<QTextEdit *>(w))
            if (e->document()->toHtml().contains(QLatin1String("<img"), Qt::CaseInsensitive))
                m_failures.insert(name + QStringLiteral(": an <img> in a rich-text pane"));
        if (w->isWindow())
            check(w->windowTitle(), Qt::PlainText, name + QStringLiteral(" window title"));
        check(w->toolTip(), Qt::AutoText, name + QStringLiteral(" tooltip"));
    }
}

void TestUntrustedText::showTip(QWidget *w, QPoint pos, const QString &where)
{
    QHelpEvent help(QEvent::ToolTip, pos, w->mapToGlobal(pos));
    QApplication::sendEvent(w, &help);
    if (QToolTip::isVisible()) {
        ++m_tipsShown;
        check(QToolTip::text(), Qt::AutoText, where + QStringLiteral(" (shown tooltip)"));
        const auto tops = QApplication::topLevelWidgets();
        for (QWidget *t : tops)
            if (auto *l = qobject_cast<QLabel *>(t); l && t->isVisible()) {
                check(l->text(), l->textFormat(), where + QStringLiteral(" (tooltip label)"));
                (void)l->sizeHint();
            }
    }
    QToolTip::hideText();
    QCoreApplication::processEvents();
}

void TestUntrustedText::sweepView(QAbstractItemView *view, const QString &where)
{
    QAbstractItemModel *m = view->model();
    if (!m)
        return;
    auto *tree = qobject_cast<QTreeView *>(view);
    int budget = 300;
    std::function<void(const QModelIndex &)> walk = [&](const QModelIndex &parent) {
        for (int r = 0; r < m->rowCount(parent) && budget > 0; ++r) {
            const QModelIndex first = m->index(r, 0, parent);
            if (tree && m->hasChildren(first))
                tree->expand(first);
            for (int c = 0; c < m->columnCount(parent) && budget > 0; ++c, --budget) {
                const QModelIndex i = m->index(r, c, parent);
                // Per column, not per cell: one line of the report per place in the code.
                const QString cell = where + QStringLiteral(" column %1").arg(c);
                check(i.data(Qt::DisplayRole).toString(), Qt::PlainText, cell);
                check(i.data(Qt::ToolTipRole).toString(), Qt::AutoText,
                      cell + QStringLiteral(" ToolTipRole"));
                const QRect rect = view->visualRect(i);
                if (rect.isValid() && view->viewport()->rect().intersects(rect))
                    showTip(view->viewport(), rect.center(), cell);
            }
            if (m->hasChildren(first))
                walk(first);
        }
    };
    walk({});
    for (int c = 0; c < m->columnCount(); ++c)
        check(m->headerData(c, Qt::Horizontal, Qt::ToolTipRole).toString(), Qt::AutoText,
              where + QStringLiteral(" header"));
}

void TestUntrustedText::sweep(QWidget *root, const QString &where)
{
    QCoreApplication::processEvents();
    const auto views = root->findChildren<QAbstractItemView *>();
    for (QAbstractItemView *v : views)
        if (v->isVisible() && !qobject_cast<QHeaderView *>(v)) // a header shows the same model
            sweepView(v,
                      where + QStringLiteral(" / ") + v->accessibleName()
                          + QString::fromLatin1(v->metaObject()->className()));
    const auto widgets = root->findChildren<QWidget *>();
    for (QWidget *w : widgets)
        if (w->isVisible() && !w->toolTip().isEmpty())
            showTip(w, w->rect().center(),
                    where + QStringLiteral(" / ")
                        + QString::fromLatin1(w->metaObject()->className()));
    checkWidgets(where);
}

QString TestUntrustedText::png(const QString &name) const
{
    const QString dir = qEnvironmentVariable(
        "UNTRUSTED_PNG_DIR", QDir::temp().filePath(QStringLiteral("untrusted-png")));
    QDir().mkpath(dir);
    return QDir(dir).filePath(name);
}

void TestUntrustedText::everyViewShowsAgentTextLiterally()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    seedRedis(now);
    seedStreams(now);
    seedPostgres();

    AppOptions options;
    options.redisUri = m_redis.uri();
    options.pgDsn = m_pg.dsn(QStringLiteral("agentops"));
    options.operatorName = QStringLiteral("tester");
    QString error;
    const ConnectionProfile profile = ConsoleController::profileFor(options, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    MainWindow window {QString()};
    window.resize(1400, 900);
    ConsoleController controller(profile, window);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    controller.start();

    // Sessions: the hostile session is the fullest and auto-selected, which loads its
    // composition (on main: its model line read /dev/zero).
    window.showView(MainWindow::Sessions);
    SessionsView *sessions = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((sessions = window.findChild<SessionsView *>()) != nullptr, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(sessions->selectSession(m_sid), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(sessions->currentSessionId(), m_sid, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(sessions->findChild<ContextCompositionView *>()->segmentCount() == 2,
                             20000);
    QTest::qWait(300);
    sweep(sessions, QStringLiteral("sessions"));
    QVERIFY(window.grab().save(png(QStringLiteral("sessions.png"))));
    // Thresholds dialog (exec): inspected from inside its loop.
    {
        bool seen = false;
        QTimer::singleShot(300, this, [&] {
            auto *d = qobject_cast<SessionThresholdsDialog *>(QApplication::activeModalWidget());
            if (d) {
                seen = true;
                sweep(d, QStringLiteral("thresholds dialog"));
                d->reject();
            }
        });
        QPushButton *thresholds = nullptr;
        const auto buttons = sessions->findChildren<QPushButton *>();
        for (QPushButton *b : buttons)
            if (b->text().contains(QStringLiteral("hresholds")))
                thresholds = b;
        QVERIFY(thresholds);
        thresholds->click();
        QVERIFY(seen);
    }

    // Processes: the hostile app, its process events, the reload dialog.
    window.showView(MainWindow::Processes);
    ProcessesView *processes = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((processes = window.findChild<ProcessesView *>()) != nullptr, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(processes->selectApp(m_host, m_app), 20000);
    seedStreams(QDateTime::currentMSecsSinceEpoch()); // the live tails see new entries too
    QTest::qWait(1500);
    sweep(processes, QStringLiteral("processes"));
    QTRY_VERIFY2_WITH_TIMEOUT(processes->disabledReason().isEmpty(),
                              qPrintable(processes->disabledReason()), 20000);
    processes->requestAction(ControlAction::Reload);
    ReloadDialog *reload = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(
        (reload = window.findChild<ReloadDialog *>()) != nullptr && reload->isVisible(), 10000);
    QTest::qWait(200);
    sweep(reload, QStringLiteral("reload dialog"));
    QVERIFY(reload->grab().save(png(QStringLiteral("reload-dialog.png"))));
    reload->reject();

    // Events: live tail, then history from Postgres.
    window.showView(MainWindow::Events);
    EventsView *events = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((events = window.findChild<EventsView *>()) != nullptr, 20000);
    const auto eventRows = [events] {
        int rows = 0;
        const auto tables = events->findChildren<QTableView *>();
        for (QTableView *t : tables)
            if (t->isVisible() && t->model())
                rows = std::max(rows, t->model()->rowCount());
        return rows;
    };
    QTRY_VERIFY_WITH_TIMEOUT(eventRows() >= 2, 20000);
    sweep(events, QStringLiteral("events live"));
    events->setMode(EventsView::Mode::History);
    events->loadHistory();
    QTRY_VERIFY_WITH_TIMEOUT(eventRows() >= 1, 20000);
    QTest::qWait(500);
    sweep(events, QStringLiteral("events history"));

    // Prompts: versions, deployments (deployed_by, reason), the rollback dialog.
    window.showView(MainWindow::Prompts);
    PromptsView *prompts = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((prompts = window.findChild<PromptsView *>()) != nullptr, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(prompts->agentTable()->model()->rowCount() >= 1, 20000);
    prompts->showAgent(m_agent, 1);
    QTRY_VERIFY_WITH_TIMEOUT(prompts->versionTable()->model()->rowCount() >= 2, 20000);
    QTest::qWait(500);
    sweep(prompts, QStringLiteral("prompts"));
    QTRY_VERIFY_WITH_TIMEOUT(prompts->rollbackButton()->isEnabled(), 20000);
    prompts->rollbackButton()->click();
    RollbackDialog *rollback = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((rollback = window.findChild<RollbackDialog *>()) != nullptr
                                 && rollback->isVisible(),
                             10000);
    QTest::qWait(200);
    sweep(rollback, QStringLiteral("rollback dialog"));
    QVERIFY(rollback->grab().save(png(QStringLiteral("rollback-dialog.png"))));
    rollback->reject();

    // Traces: search, the inspector, each span opened (overview, payloads, JSON tree).
    window.showView(MainWindow::Traces);
    TracesView *traces = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((traces = window.findChild<TracesView *>()) != nullptr, 20000);
    sweep(traces, QStringLiteral("traces search"));
    traces->openSession(m_sid);
    TraceInspector *inspector = traces->inspector();
    QTRY_VERIFY_WITH_TIMEOUT(inspector->tree()->model()->rowCount() >= 1, 20000);
    inspector->tree()->expandAll();
    for (const QModelIndex &span :
         {inspector->tree()->model()->index(0, 0),
          inspector->tree()->model()->index(0, 0, inspector->tree()->model()->index(0, 0))}) {
        QVERIFY(span.isValid());
        inspector->tree()->setCurrentIndex(span);
        inspector->tree()->setFocus();
        QTest::keyClick(inspector->tree(), Qt::Key_Return);
        QTest::qWait(1500);
        sweep(traces, QStringLiteral("traces inspector span %1").arg(span.row()));
    }
    QVERIFY(window.grab().save(png(QStringLiteral("traces.png"))));
    {
        bool seen = false;
        QTimer::singleShot(300, this, [&] {
            auto *d = qobject_cast<ExportDialog *>(QApplication::activeModalWidget());
            if (d) {
                seen = true;
                sweep(d, QStringLiteral("export dialog"));
                d->reject();
            }
        });
        QPushButton *exportButton = nullptr;
        const auto buttons = inspector->findChildren<QPushButton *>();
        for (QPushButton *b : buttons)
            if (b->text().startsWith(QStringLiteral("Export")))
                exportButton = b;
        QVERIFY(exportButton && exportButton->isEnabled());
        exportButton->click();
        QVERIFY(seen);
    }

    QVERIFY2(m_tipsShown > 20,
             qPrintable(QStringLiteral("only %1 tooltips shown").arg(m_tipsShown)));
    QStringList failures = m_failures.values();
    failures.sort();
    QVERIFY2(
        failures.isEmpty(),
        qPrintable(QStringLiteral("%1 places show agent text unsafely:\n  ").arg(failures.size())
                   + failures.mid(0, 60).join(QStringLiteral("\n  "))));
    QVERIFY2(g_resourceRequests.isEmpty(),
             qPrintable(QStringLiteral("resources loaded for agent text: ")
                        + g_resourceRequests.mid(0, 10).join(QStringLiteral(", "))));
    if (m_atimeWorks)
        QVERIFY2(atimeNs(m_file) == m_atimeBefore, "the test's file was read by the console");
    QVERIFY2(m_maxGapMs < 15000,
             qPrintable(QStringLiteral("the event loop stalled for %1 ms").arg(m_maxGapMs)));
}

QTEST_MAIN(TestUntrustedText)
#include "tst_untrustedtext.moc"
