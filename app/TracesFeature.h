#pragma once
// The Traces view wired to the app. TracesFeature puts the view into the window once
// Postgres is usable and takes it out again when that connection goes (so the view never
// holds a pool that is gone); it owns what the view reads and writes through:
// TraceServices, the search, the trace and payload loaders and the audited export, behind
// the view's TraceActions. Owned by ConsoleController.
#include "core/services/ConnectionProfile.h"
#include "core/util/OperatorIdentity.h"
#include "widgets/traces/TraceActions.h"

#include <QObject>
#include <QPointer>

#include <memory>

namespace switchboard {

class MainWindow;
class PayloadLoader;
class PgPool;
class PostgresBackend;
class TraceLoader;
class TraceSearch;
class TracesView;

// The trace view's data for one Postgres connection.
class TraceServices final : public TraceActions
{
    Q_OBJECT
public:
    // identity: who the export's audit row names.
    TraceServices(PgPool *pool, OperatorIdentity identity, QObject *parent = nullptr);
    ~TraceServices() override;

    void search(const TraceQuery &query, const TraceCursor &after, QObject *context,
                SearchDone done) override;
    void loadTrace(const QString &sessionId, QObject *context, TraceDone done) override;
    void openPayload(const QString &spanId, const QString &host, qint64 startMs, qint64 endMs,
                     QObject *context, PayloadDone done) override;
    void fetchRest(const QString &spanId, payload::Which which, qint64 from, qint64 total,
                   QObject *context, PartDone part) override;
    void cancelPayloads() override;
    void exportSession(const ExportOptions &options, QObject *context, ExportDone done) override;

private:
    QPointer<PgPool> m_pool;
    OperatorIdentity m_identity;
    std::unique_ptr<TraceSearch> m_search;
    std::unique_ptr<TraceLoader> m_loader;
    std::unique_ptr<PayloadLoader> m_payloads;
};

class TracesFeature : public QObject
{
    Q_OBJECT
public:
    TracesFeature(MainWindow &window, const ConnectionProfile &profile, QObject *parent = nullptr);
    ~TracesFeature() override;

    // A view with its models over actions (which it does not own).
    static TracesView *createView(TraceActions *actions);

    // `--trace ID|auto`: open this session once the view is there (auto: the newest
    // session that had recovery events). With a screenshot dir, the search is also written
    // as traces-search.png and the first failed span is opened for the traces.png shot.
    void setStartup(const QString &session, const QString &screenshotDir);
    void attachPostgres(PostgresBackend *postgres);
    TracesView *view() const;

private:
    void install();
    void uninstall(); // the connection went: an empty state instead of the view
    void openAtStart();

    MainWindow &m_window;
    OperatorIdentity m_identity;
    QPointer<PostgresBackend> m_postgres;
    QPointer<TracesView> m_view;
    TraceServices *m_services = nullptr;
    QString m_startSession;
    QString m_shotDir;
};

} // namespace switchboard
