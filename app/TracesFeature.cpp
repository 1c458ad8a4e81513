#include "app/TracesFeature.h"

#include "app/MainWindow.h"
#include "core/services/PayloadLoader.h"
#include "core/services/PostgresBackend.h"
#include "core/services/TraceExporter.h"
#include "core/services/TraceLoader.h"
#include "core/services/TraceSearch.h"
#include "models/TraceSessionModel.h"
#include "models/TraceTreeModel.h"
#include "widgets/EmptyStateView.h"
#include "widgets/traces/TraceInspector.h"
#include "widgets/traces/TraceSearchView.h"
#include "widgets/traces/TracesView.h"

#include <QDir>
#include <QTabWidget>

namespace switchboard {

namespace {

TraceReply replyOf(const PgStatus &status)
{
    TraceReply r;
    r.code = status.ok()                     ? TraceReply::Ok
        : status.code == PgStatus::Cancelled ? TraceReply::Cancelled
                                             : TraceReply::Failed;
    r.message = status.message;
    r.elapsedMs = status.elapsedMs;
    return r;
}

// done, called only while context lives (the widget that asked).
template<typename... Args, typename Done>
std::function<void(Args...)> whileAlive(QObject *context, Done done)
{
    return [context = QPointer<QObject>(context), done = std::move(done)](Args... args) {
        if (context)
            done(std::forward<Args>(args)...);
    };
}

} // namespace

TraceServices::TraceServices(PgPool *pool, OperatorIdentity identity, QObject *parent)
    : TraceActions(parent)
    , m_pool(pool)
    , m_identity(std::move(identity))
    , m_search(std::make_unique<TraceSearch>(pool, this))
    , m_loader(std::make_unique<TraceLoader>(pool, this))
    , m_payloads(std::make_unique<PayloadLoader>(pool, this))
{ }

TraceServices::~TraceServices() = default;

void TraceServices::search(const TraceQuery &query, const TraceCursor &after, QObject *context,
                           SearchDone done)
{
    m_search->search(query, after,
                     whileAlive<const PgStatus &, const TracePage &>(
                         context, [done = std::move(done)](const PgStatus &s, const TracePage &p) {
                             done(replyOf(s), p);
                         }));
}

void TraceServices::loadTrace(const QString &sessionId, QObject *context, TraceDone done)
{
    m_loader->load(
        sessionId,
        whileAlive<const PgStatus &, const TraceSnapshotPtr &>(
            context, [done = std::move(done)](const PgStatus &s, const TraceSnapshotPtr &t) {
                done(replyOf(s), t);
            }));
}

void TraceServices::openPayload(const QString &spanId, const QString &host, qint64 startMs,
                                qint64 endMs, QObject *context, PayloadDone done)
{
    m_payloads->open(
        spanId, host, startMs, endMs,
        whileAlive<const PgStatus &, const SpanPayload &>(
            context, [done = std::move(done)](const PgStatus &s, const SpanPayload &p) {
                done(replyOf(s), p);
            }));
}

void TraceServices::fetchRest(const QString &spanId, payload::Which which, qint64 from,
                              qint64 total, QObject *context, PartDone part)
{
    m_payloads->fetchRest(
        spanId, which, from, total,
        whileAlive<const PgStatus &, qint64, const QString &, bool>(
            context,
            [part = std::move(part)](const PgStatus &s, qint64 offset, const QString &text,
                                     bool last) { part(replyOf(s), offset, text, last); }));
}

void TraceServices::cancelPayloads()
{
    m_payloads->cancel();
}

void TraceServices::exportSession(const ExportOptions &options, QObject *context, ExportDone done)
{
    ExportOptions o = options;
    o.exportedBy = m_identity.name(); // the audit row names the operator, never the view
    if (!m_pool) {
        ExportResult r;
        r.error = QStringLiteral("the Postgres connection was closed");
        done(r);
        return;
    }
    TraceExporter::start(
        m_pool, this, o,
        whileAlive<const PgStatus &, const ExportResult &>(
            context,
            [done = std::move(done)](const PgStatus &, const ExportResult &r) { done(r); }));
}

TracesFeature::TracesFeature(MainWindow &window, const ConnectionProfile &profile, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_identity(OperatorIdentity::resolve(profile.operatorName))
{ }

TracesFeature::~TracesFeature()
{
    uninstall();
}

TracesView *TracesFeature::createView(TraceActions *actions)
{
    return new TracesView(new TraceSessionModel, new TraceTreeModel, actions);
}

TracesView *TracesFeature::view() const
{
    return m_view;
}

void TracesFeature::setStartup(const QString &session, const QString &screenshotDir)
{
    m_startSession = session;
    m_shotDir = screenshotDir;
    if (!screenshotDir.isEmpty() && !session.isEmpty())
        QDir().mkpath(screenshotDir); // the search shot comes before the writer
}

void TracesFeature::attachPostgres(PostgresBackend *postgres)
{
    uninstall();
    m_postgres = postgres;
    connect(postgres, &PostgresBackend::statusChanged, this, [this, postgres] {
        if (postgres == m_postgres && !m_view && postgres->schemaUsable())
            install();
    });
    // The pool goes with its backend (profile switch, password asked again): so does the
    // view.
    connect(postgres, &QObject::destroyed, this, [this, postgres] {
        if (!m_postgres || m_postgres == postgres)
            uninstall();
    });
}

void TracesFeature::install()
{
    m_services = new TraceServices(m_postgres->pool(), m_identity, this);
    m_view = createView(m_services);
    m_window.setViewWidget(MainWindow::Traces, m_view);
    openAtStart();
}

void TracesFeature::uninstall()
{
    delete m_services;
    m_services = nullptr;
    if (!m_view)
        return;
    QWidget *old = m_view;
    m_view = nullptr;
    if (m_window.tabs()->widget(MainWindow::Traces) == old) {
        m_window.setViewWidget(
            MainWindow::Traces,
            new EmptyStateView(tr("Traces"), tr("Connect to Postgres to inspect traces.")));
        old->deleteLater();
    }
}

void TracesFeature::openAtStart()
{
    const QString wanted = std::exchange(m_startSession, QString());
    if (wanted.isEmpty())
        return;
    TracesView *view = m_view;
    TraceInspector *inspector = view->inspector();
    // For screenshots: open the first failed span so the detail pane shows something.
    connect(inspector, &TraceInspector::loaded, inspector,
            [inspector, shots = !m_shotDir.isEmpty()](int spans) {
                if (spans <= 0 || !shots)
                    return;
                // A screenshot run changes nothing: no export, no audit row (the report is
                // made with `switchboard export`, an audited action of its own).
                const auto &trace = inspector->model()->snapshot();
                for (int i = 0; i < trace->nodes.size(); ++i) {
                    if (trace->nodes[i].status == SpanStatus::Error
                        && trace->nodes[i].recoveryEvents) {
                        inspector->selectNode(i, true);
                        return;
                    }
                }
            });
    if (wanted != QLatin1String("auto")) {
        view->openSession(wanted);
        return;
    }
    TraceSearchView *search = view->searchView();
    TraceQuery q;
    q.onlyWithRecovery = true;
    search->setQuery(q);
    auto once = std::make_shared<QMetaObject::Connection>();
    *once = connect(search, &TraceSearchView::searched, view,
                    [view, search, once, shotDir = m_shotDir](int rows) {
                        QObject::disconnect(*once);
                        if (!shotDir.isEmpty()) {
                            // Not the visible tab yet: give it the window's size so the grab
                            // is laid out.
                            search->resize(view->window()->size().expandedTo(QSize(1280, 760)));
                            search->grab().save(
                                QDir(shotDir).filePath(QStringLiteral("traces-search.png")));
                        }
                        const TraceSessionModel *m = search->model();
                        int pick = 0; // newest failed one if any, else the newest
                        for (int r = 0; r < rows; ++r) {
                            if (m->at(r).outcome == SessionOutcome::Failed) {
                                pick = r;
                                break;
                            }
                        }
                        if (rows > 0)
                            view->openSession(m->at(pick).sessionId);
                    });
    search->search();
}

} // namespace switchboard
