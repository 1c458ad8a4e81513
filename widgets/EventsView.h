#pragma once
// The events view: a live tail of the recovery-events stream (bounded buffer, exact
// counters, follow-tail or keep the scroll position) or, in history mode, the same
// columns over agentops.recovery_events for a time range, keyset-paged; filters by kind,
// agent, session, outcome and text; above it events per minute by kind with prompt
// deployments marked. The view owns its tail connection; Postgres comes from the pool.
#include "core/pg/PgPool.h"
#include "core/redis/RedisConnectionOptions.h"

#include <QPointer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace switchboard {

class RecoveryEventRateBuckets;
class EventRateChart;
class RecoveryEventFilterProxy;
class RecoveryEventHistory;
class RecoveryEventTableModel;
class RecoveryEventTail;

class EventsView : public QWidget
{
    Q_OBJECT
public:
    struct Options
    {
        int capacity = 100000; // rows kept by the live tail (counters stay exact beyond)
        int historyPageSize = 500;
        int chartMinutes = 60; // live chart window
        int backfill = 5000; // entries from before the start shown on opening
    };
    enum class Mode { Live, History };

    explicit EventsView(const Options &options, QWidget *parent = nullptr);
    ~EventsView() override;

    // Starts the tail on its own connection (stream key: Keys(ns).recoveryEvents()).
    void setRedis(const RedisConnectionOptions &options, const QByteArray &streamKey);
    // History and chart markers; nullptr when there is no usable Postgres.
    void setPostgres(PgPool *pool);
    // Drops both sources (the console is switching profiles); rows stay until replaced.
    void detach();

    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    RecoveryEventTableModel *liveModel() const { return m_live; }
    RecoveryEventTableModel *historyModel() const { return m_historyModel; }
    RecoveryEventFilterProxy *proxy() const { return m_proxy; }
    RecoveryEventTail *tail() const { return m_tail; }
    QTableView *table() const { return m_table; }
    EventRateChart *chart() const { return m_chart; }
    bool followsTail() const;
    QString countersText() const;

public Q_SLOTS:
    void filterSession(const QString &sessionId);
    void loadHistory(); // the range and filters in the toolbar

Q_SIGNALS:
    void openTraceRequested(const QString &sessionId);

private:
    QWidget *buildToolbar();
    void applyFilters();
    void updateCounters();
    void refreshLiveChart();
    void refreshDeployments();
    void onRowsAboutToBeRemoved(int first, int last);
    void onRowsRemoved();
    void onRowsInserted();
    void showContextMenu(const QPoint &pos);
    QString sessionAt(const QModelIndex &proxyIndex) const;

    Options m_options;
    Mode m_mode = Mode::Live;
    RecoveryEventTableModel *m_live;
    RecoveryEventTableModel *m_historyModel;
    RecoveryEventFilterProxy *m_proxy;
    RecoveryEventHistory *m_history;
    RecoveryEventTail *m_tail = nullptr;
    RecoveryEventRateBuckets *m_buckets;
    bool m_bucketsDirty = false;
    QPointer<PgPool> m_pool;

    QComboBox *m_modeBox = nullptr;
    QLineEdit *m_filter = nullptr;
    QComboBox *m_kind = nullptr;
    QComboBox *m_outcome = nullptr;
    QLineEdit *m_agent = nullptr;
    QLineEdit *m_session = nullptr;
    QCheckBox *m_follow = nullptr;
    QDateTimeEdit *m_from = nullptr;
    QDateTimeEdit *m_to = nullptr;
    QPushButton *m_load = nullptr;
    QPushButton *m_older = nullptr;
    QWidget *m_historyControls = nullptr;
    QLabel *m_counters = nullptr;
    QLabel *m_state = nullptr;
    QTableView *m_table = nullptr;
    EventRateChart *m_chart = nullptr;
    QTimer *m_ticker = nullptr;
    int m_keepScroll = -1; // scroll value to restore after rows above it were evicted
    int m_removedAbove = 0;
};

} // namespace switchboard
