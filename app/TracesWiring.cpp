#include "app/TracesWiring.h"

#include "app/MainWindow.h"
#include "core/services/ConnectionProfile.h"
#include "core/services/PostgresBackend.h"
#include "models/TraceSessionModel.h"
#include "models/TraceTreeModel.h"
#include "widgets/EmptyStateView.h"
#include "widgets/traces/TraceInspector.h"
#include "widgets/traces/TraceSearchView.h"
#include "widgets/traces/TracesView.h"

#include <QDir>
#include <QPointer>
#include <QTabWidget>
#include <QTimer>

namespace switchboard {

namespace {
QString g_startSession;
QString g_shotDir;

void openAtStart(TracesView *view)
{
    const QString wanted = std::exchange(g_startSession, QString());
    if (wanted.isEmpty())
        return;
    TraceInspector *inspector = view->inspector();
    // For screenshots: open the first failed span so the detail pane shows something.
    QObject::connect(inspector, &TraceInspector::loaded, inspector, [inspector](int spans) {
        if (spans <= 0 || g_shotDir.isEmpty())
            return;
        // A screenshot run changes nothing: no export, no audit row (the report is made
        // with `switchboard export`, an audited action of its own).
        const auto &trace = inspector->model()->snapshot();
        for (int i = 0; i < trace->nodes.size(); ++i) {
            if (trace->nodes[i].status == SpanStatus::Error && trace->nodes[i].recoveryEvents) {
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
    *once = QObject::connect(
        search, &TraceSearchView::searched, view, [view, search, once](int rows) {
            QObject::disconnect(*once);
            if (!g_shotDir.isEmpty()) {
                // Not the visible tab yet: give it the window's size so the grab is laid out.
                search->resize(view->window()->size().expandedTo(QSize(1280, 760)));
                search->grab().save(QDir(g_shotDir).filePath(QStringLiteral("traces-search.png")));
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
} // namespace

void setTracesStartup(const QString &session, const QString &screenshotDir)
{
    g_startSession = session;
    g_shotDir = screenshotDir;
    if (!screenshotDir.isEmpty() && !session.isEmpty())
        QDir().mkpath(screenshotDir); // the search shot comes before the writer
}

void installTracesView(MainWindow &window, PostgresBackend &postgres,
                       const ConnectionProfile &profile)
{
    QPointer<MainWindow> w(&window);
    const QString operatorName = profile.operatorName;
    auto installed = std::make_shared<bool>(false);
    QObject::connect(&postgres, &PostgresBackend::statusChanged, &window,
                     [w, &postgres, operatorName, installed](const BackendStatus &) {
                         if (*installed || !w || !postgres.schemaUsable())
                             return;
                         *installed = true;
                         auto *view = new TracesView(postgres.pool(), operatorName);
                         w->setViewWidget(MainWindow::Traces, view);
                         // The pool goes with its backend (profile switch): so does the view.
                         QObject::connect(&postgres, &QObject::destroyed, w, [w] {
                             QWidget *old = w->tabs()->widget(MainWindow::Traces);
                             w->setViewWidget(
                                 MainWindow::Traces,
                                 new EmptyStateView(QObject::tr("Traces"),
                                                    QObject::tr("Connect to Postgres "
                                                                "to inspect traces.")));
                             if (old)
                                 old->deleteLater();
                         });
                         openAtStart(view);
                     });
}

} // namespace switchboard
