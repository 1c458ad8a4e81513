#pragma once
// The events view wired to the app, like every view: the feature owns the services (the
// live tail of `N events` on its own connection and thread, the history reads on the
// PgPool, the live rates the tail counts) and hands the view its models (live rows,
// history rows, rates) and a narrow interface of actions (EventsActions). One feature
// and one view per profile: the next profile gets new ones.
#include "core/redis/RedisConnectionOptions.h"
#include "core/services/ConnectionProfile.h"
#include "widgets/EventsView.h"

#include <QObject>
#include <QPointer>

#include <memory>

namespace switchboard {

class RecoveryEventRateBuckets;
class MainWindow;
class PgPool;
class PostgresBackend;
class RecoveryEventHistory;
class RecoveryEventTail;

class EventsFeature : public QObject, public EventsActions
{
    Q_OBJECT
public:
    // Puts the view in the window's Events tab; without a window (tests, benches) the
    // feature keeps the view itself.
    EventsFeature(const ConnectionProfile &profile, MainWindow *window,
                  const EventsView::Options &options = {}, QObject *parent = nullptr);
    ~EventsFeature() override; // stops the tail; the view goes once the window replaced it

    // Starts the tail on its own connection (stream key: Keys(ns).recoveryEvents()).
    void setRedis(const RedisConnectionOptions &options);
    // History and chart markers once the backend's schema is usable.
    void setPostgres(PostgresBackend *backend);
    void setPool(PgPool *pool); // nullptr: no usable Postgres
    void detach(); // drops both sources; the rows stay

    EventsView *view() const { return m_view; }
    RecoveryEventTail *tail() const { return m_tail.get(); }
    RecoveryEventHistory *history() const { return m_history.get(); }

    // EventsActions (the view's requests).
    void loadHistory(const EventHistoryFilter &filter) override;
    void loadOlderHistory() override;
    void loadDeployments(qint64 fromMs, qint64 toMs) override;

private:
    QByteArray m_streamKey;
    EventsView::Options m_options;
    bool m_ownsView;
    QPointer<EventsView> m_view;
    QPointer<RecoveryEventTableModel> m_live; // the view's child
    std::shared_ptr<RecoveryEventRateBuckets> m_liveRates; // written here, drawn by the view
    std::unique_ptr<RecoveryEventTail> m_tail;
    std::unique_ptr<RecoveryEventHistory> m_history;
};

} // namespace switchboard
