// The fault soak's probe (scripts/soak.sh, docs/soak.md): the console as `switchboard`
// runs it (MainWindow, ViewLinks, ConsoleController, same command line), plus, once a
// second, one JSON line on stdout with what a user would see:
//   gap_ms        longest interval between two ticks of a 20 ms GUI-thread timer in that
//                 second (an event-loop stall shows as a long interval)
//   rss_kib       VmRSS (rss_anon_kib / rss_file_kib: its anonymous and file-backed
//                 parts); heap_kib: bytes malloc has handed out from its main arena
//                 (mallinfo2, which sees the main arena only); all_heap_kib /
//                 all_free_kib / arenas: the same over every arena (malloc_info: worker
//                 threads allocate in arenas of their own), to tell live allocations
//                 from memory the allocator keeps
//   *_age_ms      for each view, how long ago it last showed new data (-1: not yet):
//                 sessions (a row came or changed), events
//                 (a row came into the live tail), procs_bridge / procs_sim (the newest
//                 heartbeat of the real PM2 bridge's host / of the simulator's hosts, by
//                 the Redis server's clock), prompts (the agents list was loaded), traces
//                 (a search, run here every 5 s, returned rows). Writers' own timestamps
//                 are not used for sessions and events: the simulator stamps turns ahead
//                 of the wall clock (up to ~50 s), and the bursts write any time at all.
//   *_rows        what each view holds (the bounded buffers, for the RSS investigation)
// and, for every reload it asks for through the console's own ControlChannel (every
// --probe-actions-every seconds, alternating two apps of --probe-action-host), one line
// per state change: {"action": n, "state": ..., "final": bool, ...}.
// Probe options (taken out before the console's own): --probe-actions-every S (0 = none),
// --probe-action-host HOST, --probe-action-apps A,B, --probe-actions-until MS (Unix ms:
// no new action after it, so every action has its final state before the soak ends),
// --probe-trim-every S (investigation only: every S seconds malloc_trim(0) and report
// the RSS after it as rss_trimmed_kib: what the allocator kept but nothing uses),
// --probe-events-buffer N (the live events table keeps N rows instead of its default
// 100 000, set before its first batch: with the stream holding N events before the console
// starts, the backfill fills it and every later row evicts one, so the soak's RSS figure
// measures growth, not a buffer filling; docs/soak.md).
#include "app/AppOptions.h"
#include "app/ConsoleController.h"
#include "app/MainWindow.h"
#include "app/ViewLinks.h"
#include "core/services/ControlChannel.h"
#include "models/ProcessTreeModel.h"
#include "models/RecoveryEventTableModel.h"
#include "models/SessionTableModel.h"
#include "models/TraceSessionModel.h"
#include "widgets/EventsView.h"
#include "widgets/ProcessesView.h"
#include "widgets/PromptActions.h"
#include "widgets/PromptsView.h"
#include "widgets/SessionsView.h"
#include "widgets/traces/TraceSearchView.h"
#include "widgets/traces/TracesView.h"

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <malloc.h>
#include <memory>

using namespace switchboard;

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// A "Name:  123 kB" line of /proc/self/status, in KiB; -1 when missing.
qint64 statusKib(const char *name)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(name) + ':';
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &line : lines)
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

qint64 rssKib()
{
    return statusKib("VmRSS");
}

// malloc_info's totals over every arena (mallinfo2 reports the main arena only).
struct ArenaTotals
{
    qint64 inUse = -1; // bytes handed out, mmapped chunks included
    qint64 free = -1; // bytes free in the arenas (fast bins + the rest)
    int arenas = 0;
};

ArenaTotals arenaTotals()
{
    char *buffer = nullptr;
    size_t size = 0;
    FILE *f = open_memstream(&buffer, &size);
    if (!f)
        return {};
    malloc_info(0, f);
    std::fclose(f);
    const QByteArray xml(buffer, qsizetype(size));
    std::free(buffer);
    const qsizetype lastHeap = xml.lastIndexOf("</heap>");
    const QByteArray totals = lastHeap < 0 ? xml : xml.mid(lastHeap);
    auto sizeOf = [&totals](const QByteArray &prefix) -> qint64 {
        const qsizetype at = totals.indexOf(prefix);
        if (at < 0)
            return -1;
        const qsizetype s = totals.indexOf("size=\"", at);
        if (s < 0)
            return -1;
        const qsizetype e = totals.indexOf('"', s + 6);
        return totals.mid(s + 6, e - s - 6).toLongLong();
    };
    const qint64 fast = sizeOf("<total type=\"fast\"");
    const qint64 rest = sizeOf("<total type=\"rest\"");
    const qint64 mmapped = sizeOf("<total type=\"mmap\"");
    const qint64 current = sizeOf("<system type=\"current\"");
    ArenaTotals t;
    if (fast < 0 || rest < 0 || mmapped < 0 || current < 0)
        return t;
    t.free = fast + rest;
    t.inUse = current - t.free + mmapped;
    t.arenas = int(xml.count("<heap nr="));
    return t;
}

void emitLine(const QJsonObject &o)
{
    const QByteArray line = QJsonDocument(o).toJson(QJsonDocument::Compact);
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

template<typename T> T *viewOf(MainWindow &window, MainWindow::View view)
{
    QWidget *w = window.tabs()->widget(int(view));
    if (!w)
        return nullptr;
    if (auto *t = qobject_cast<T *>(w))
        return t;
    return w->findChild<T *>();
}

class Probe : public QObject
{
public:
    Probe(MainWindow &window, QObject *controllerRoot, int actionsEverySec, qint64 actionsUntil,
          QString host, QStringList apps)
        : m_window(window)
        , m_actionsUntil(actionsUntil)
        , m_root(controllerRoot)
        , m_host(std::move(host))
        , m_apps(std::move(apps))
    {
        m_tick.setTimerType(Qt::PreciseTimer);
        m_tick.setInterval(20);
        connect(&m_tick, &QTimer::timeout, this, [this] {
            const qint64 e = m_sinceTick.restart();
            m_maxGap = qMax(m_maxGap, e);
        });
        m_sinceTick.start();
        m_tick.start();
        m_report.setInterval(1000);
        connect(&m_report, &QTimer::timeout, this, &Probe::report);
        m_report.start();
        m_search.setInterval(5000);
        connect(&m_search, &QTimer::timeout, this, &Probe::search);
        m_search.start();
        if (actionsEverySec > 0) {
            m_actions.setInterval(actionsEverySec * 1000);
            connect(&m_actions, &QTimer::timeout, this, &Probe::requestAction);
            m_actions.start();
        }
    }

private:
    void hook()
    {
        if (!m_promptActions) {
            if (auto *prompts = viewOf<PromptsView>(m_window, MainWindow::Prompts)) {
                m_promptActions = prompts->actions();
                if (m_promptActions)
                    connect(m_promptActions, &PromptActions::agentsLoaded, this,
                            [this](const QVector<PromptAgentRow> &rows) {
                                if (!rows.isEmpty())
                                    m_promptsAt = nowMs();
                            });
            }
        }
        if (!m_searchView) {
            if (auto *traces = viewOf<TracesView>(m_window, MainWindow::Traces)) {
                m_searchView = traces->searchView();
                connect(m_searchView, &TraceSearchView::searched, this, [this](int rows, bool) {
                    if (rows > 0)
                        m_tracesAt = nowMs();
                });
            }
        }
    }

    void search()
    {
        hook();
        if (m_searchView)
            m_searchView->search();
    }

    static qint64 age(qint64 at, qint64 now) { return at > 0 ? now - at : -1; }

    void report()
    {
        hook();
        const qint64 now = nowMs();
        QJsonObject o;
        o[QStringLiteral("t")] = now;
        o[QStringLiteral("gap_ms")] = qMax(m_maxGap, m_sinceTick.elapsed());
        m_maxGap = 0;
        o[QStringLiteral("rss_kib")] = rssKib();
        // Anonymous memory (heaps, stacks, the event rings) apart from file-backed pages
        // (code and fonts paged in the first time a path runs: not a growth of data).
        o[QStringLiteral("rss_anon_kib")] = statusKib("RssAnon");
        o[QStringLiteral("rss_file_kib")] = statusKib("RssFile");
        const struct mallinfo2 mi = mallinfo2();
        o[QStringLiteral("heap_kib")] = qint64(mi.uordblks / 1024);
        o[QStringLiteral("heap_free_kib")] = qint64(mi.fordblks / 1024);
        o[QStringLiteral("mmap_kib")] = qint64(mi.hblkhd / 1024);
        o[QStringLiteral("arena_kib")] = qint64(mi.arena / 1024);
        const ArenaTotals all = arenaTotals();
        o[QStringLiteral("all_heap_kib")] = all.inUse / 1024;
        o[QStringLiteral("all_free_kib")] = all.free / 1024;
        o[QStringLiteral("arenas")] = all.arenas;
        if (m_trimEvery > 0 && ++m_reports % m_trimEvery == 0) {
            malloc_trim(0);
            o[QStringLiteral("rss_trimmed_kib")] = rssKib();
        }

        int sessionRows = -1;
        if (auto *sessions = viewOf<SessionsView>(m_window, MainWindow::Sessions)) {
            if (auto *model = sessions->findChild<SessionTableModel *>()) {
                sessionRows = model->rowCount();
                if (model != m_sessionsHooked) {
                    m_sessionsHooked = model;
                    connect(model, &QAbstractItemModel::rowsInserted, this,
                            [this] { m_sessionsAt = nowMs(); });
                    connect(model, &QAbstractItemModel::dataChanged, this,
                            [this] { m_sessionsAt = nowMs(); });
                }
            }
        }
        o[QStringLiteral("sessions_age_ms")] = age(m_sessionsAt, now);
        o[QStringLiteral("sessions_rows")] = sessionRows;

        int eventRows = -1;
        if (auto *events = viewOf<EventsView>(m_window, MainWindow::Events)) {
            RecoveryEventTableModel *live = events->liveModel();
            eventRows = live->rowCount();
            if (live != m_liveHooked) {
                m_liveHooked = live;
                if (m_eventsBuffer > 0)
                    live->setCapacity(m_eventsBuffer);
                connect(live, &QAbstractItemModel::rowsInserted, this,
                        [this] { m_eventsAt = nowMs(); });
            }
        }
        o[QStringLiteral("events_age_ms")] = age(m_eventsAt, now);
        o[QStringLiteral("events_rows")] = eventRows;

        qint64 bridgeAge = -1, simAge = -1;
        int instances = -1;
        if (auto *procs = viewOf<ProcessesView>(m_window, MainWindow::Processes)) {
            ProcessTreeModel *model = procs->model();
            instances = model->instanceCount();
            QList<QModelIndex> hosts;
            for (int r = 0; r < model->rowCount(); ++r) {
                const QModelIndex i = model->index(r, 0);
                if (model->data(i, ProcessTreeModel::KindRole).toInt()
                    == ProcessTreeModel::RootNode)
                    for (int c = 0; c < model->rowCount(i); ++c)
                        hosts << model->index(c, 0, i);
                else
                    hosts << i;
            }
            for (const QModelIndex &h : hosts) {
                const QString name = model->data(h, ProcessTreeModel::HostRole).toString();
                const QVariant a = model->data(h.siblingAtColumn(ProcessTreeModel::Heartbeat),
                                               ProcessTreeModel::SortRole);
                if (!a.isValid())
                    continue;
                const qint64 ageMs = a.toLongLong();
                if (name == m_host)
                    bridgeAge = ageMs;
                else if (simAge < 0 || ageMs < simAge)
                    simAge = ageMs;
            }
        }
        o[QStringLiteral("procs_bridge_age_ms")] = bridgeAge;
        o[QStringLiteral("procs_sim_age_ms")] = simAge;
        o[QStringLiteral("procs_instances")] = instances;
        o[QStringLiteral("prompts_age_ms")] = age(m_promptsAt, now);
        o[QStringLiteral("traces_age_ms")] = age(m_tracesAt, now);
        o[QStringLiteral("traces_rows")] = m_searchView ? m_searchView->model()->rowCount() : -1;
        emitLine(o);
    }

    ControlChannel *channel()
    {
        // The processes feature makes a new channel when Redis or Postgres come back: the
        // newest one is the one the view uses.
        const QList<ControlChannel *> all = m_root->findChildren<ControlChannel *>();
        return all.isEmpty() ? nullptr : all.last();
    }

    void requestAction()
    {
        if (m_actionsUntil > 0 && nowMs() > m_actionsUntil) {
            m_actions.stop();
            return;
        }
        ControlChannel *c = channel();
        QJsonObject o;
        o[QStringLiteral("t")] = nowMs();
        const QString app = m_apps.value(m_next++ % qMax(1, int(m_apps.size())));
        o[QStringLiteral("app")] = app;
        if (!c) {
            // Not an operator action: the console offers none (the button is disabled).
            o[QStringLiteral("skipped")] = QStringLiteral("no control channel");
            emitLine(o);
            return;
        }
        if (c != m_hooked) {
            m_hooked = c;
            const int index = m_channels;
            connect(c, &ControlChannel::progress, this, [index](const ControlProgress &p) {
                QJsonObject a;
                a[QStringLiteral("t")] = nowMs();
                a[QStringLiteral("action")] = p.actionId;
                a[QStringLiteral("channel")] = index;
                a[QStringLiteral("app")] = p.request.app;
                a[QStringLiteral("state")] = p.state;
                a[QStringLiteral("final")] = p.isFinal();
                a[QStringLiteral("provisional")] = p.provisional;
                a[QStringLiteral("late")] = p.late;
                a[QStringLiteral("audit_id")] = p.auditId ? *p.auditId : qint64(-1);
                a[QStringLiteral("cmd_id")] = p.cmdId;
                a[QStringLiteral("message")] = p.message.left(200);
                emitLine(a);
            });
            ++m_channels;
        }
        ProcessActionRequest r;
        r.action = ControlAction::Reload;
        r.host = m_host;
        r.app = app;
        r.reason = QStringLiteral("soak: scheduled reload");
        const int id = c->request(r);
        o[QStringLiteral("requested")] = id;
        o[QStringLiteral("channel")] = m_channels - 1;
        emitLine(o);
    }

    MainWindow &m_window;
    qint64 m_actionsUntil = 0;

public:
    int m_trimEvery = 0;
    int m_eventsBuffer = 0;

private:
    int m_reports = 0;
    QObject *m_root;
    QString m_host;
    QStringList m_apps;
    QTimer m_tick, m_report, m_search, m_actions;
    QElapsedTimer m_sinceTick;
    qint64 m_maxGap = 0;
    qint64 m_promptsAt = 0, m_tracesAt = 0, m_sessionsAt = 0, m_eventsAt = 0;
    QPointer<SessionTableModel> m_sessionsHooked;
    QPointer<RecoveryEventTableModel> m_liveHooked;
    QPointer<PromptActions> m_promptActions;
    QPointer<TraceSearchView> m_searchView;
    QPointer<ControlChannel> m_hooked;
    int m_channels = 0;
    int m_next = 0;
};

QString takeOption(QStringList &args, const QString &name, const QString &fallback)
{
    const int i = args.indexOf(name);
    if (i < 0 || i + 1 >= args.size())
        return fallback;
    const QString value = args.at(i + 1);
    args.remove(i, 2);
    return value;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("switchboard-soak"));
    QCoreApplication::setOrganizationName(QStringLiteral("switchboard"));
    QStringList args = QApplication::arguments();
    const int every
        = takeOption(args, QStringLiteral("--probe-actions-every"), QStringLiteral("0")).toInt();
    const qint64 until
        = takeOption(args, QStringLiteral("--probe-actions-until"), QStringLiteral("0"))
              .toLongLong();
    const int trimEvery
        = takeOption(args, QStringLiteral("--probe-trim-every"), QStringLiteral("0")).toInt();
    const int eventsBuffer
        = takeOption(args, QStringLiteral("--probe-events-buffer"), QStringLiteral("0")).toInt();
    const QString host = takeOption(args, QStringLiteral("--probe-action-host"), QString());
    const QStringList apps = takeOption(args, QStringLiteral("--probe-action-apps"), QString())
                                 .split(QLatin1Char(','), Qt::SkipEmptyParts);
    QString help;
    const AppOptions options = parseCommandLine(args, &help);
    if (options.mode != AppOptions::Mode::Gui) {
        std::fprintf(stderr, "soak_probe: %s\n", options.error.toLocal8Bit().constData());
        return 2;
    }
    QString error;
    const ConnectionProfile profile = ConsoleController::profileFor(options, &error);
    if (!error.isEmpty()) {
        std::fprintf(stderr, "soak_probe: %s\n", error.toLocal8Bit().constData());
        return 2;
    }
    MainWindow window(profile.name);
    new ViewLinks(window);
    ConsoleController controller(profile, window);
    window.show();
    controller.start();
    Probe probe(window, &controller, every, until, host, apps);
    probe.m_trimEvery = trimEvery;
    probe.m_eventsBuffer = eventsBuffer;
    return QApplication::exec();
}
