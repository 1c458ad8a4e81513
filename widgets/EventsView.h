#pragma once
// The events view: a live tail of the recovery-events stream (bounded buffer, exact
// counters, follow-tail or keep the scroll position) or, in history mode, the same
// columns over agentops.recovery_events for a time range, keyset-paged; filters by kind,
// agent, session, outcome and text; above it events per minute by kind with prompt
// deployments marked. It draws models it is handed and asks for history through
// EventsActions; the tail, the history reads and the connections are app/EventsFeature's.
#include "core/types/EventHistoryPage.h"
#include "core/types/RecoveryEventRateBuckets.h"

#include <QMap>
#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QMenu;
class QModelIndex;
class QPushButton;
class QTableView;

namespace switchboard {

class EventRateChart;
class RecoveryEventFilterProxy;
class RecoveryEventTableModel;
class VisibleTimer;

// What the view asks of whoever reads the events for it (app/EventsFeature).
class EventsActions
{
public:
    virtual ~EventsActions() = default;
    // Replaces the history rows with the range's newest page; also its rates and deployments.
    virtual void loadHistory(const EventHistoryFilter &filter) = 0;
    virtual void loadOlderHistory() = 0; // the next page after the last one loaded
    virtual void loadDeployments(qint64 fromMs, qint64 toMs) = 0; // the live chart's markers
};

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
    // What the view draws: the live tail's rows, the history's rows, and the live events
    // per minute by kind (every row the tail read, also those the buffer could not keep).
    // The models become the view's children; the rates are shared with their writer.
    struct Models
    {
        RecoveryEventTableModel *live = nullptr;
        RecoveryEventTableModel *history = nullptr;
        std::shared_ptr<const RecoveryEventRateBuckets> liveRates;
    };

    // actions may be null (no history); it must outlive the view or be cleared first.
    EventsView(const Models &models, EventsActions *actions, const Options &options,
               QWidget *parent = nullptr);
    ~EventsView() override;
    void setActions(EventsActions *actions) { m_actions = actions; }

    // What the feature reports about its sources.
    void showLive(const QString &streamKey); // the tail reads this stream
    void showTailError(const QString &message);
    void showDisconnected(); // no sources (switching profiles); rows stay until replaced
    // History and chart markers can be read (a usable Postgres) or not.
    void setHistoryAvailable(bool available);
    void showHistoryPage(int rows, bool more); // a page went into the history model
    void
    showHistoryRates(const QMap<qint64, switchboard::RecoveryEventRateBuckets::Counts> &buckets,
                     qint64 bucketMs);
    void showHistoryError(const QString &message);
    const EventHistoryFilter &historyFilter() const { return m_historyFilter; }

    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    RecoveryEventTableModel *liveModel() const { return m_live; }
    RecoveryEventTableModel *historyModel() const { return m_historyModel; }
    RecoveryEventFilterProxy *proxy() const { return m_proxy; }
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
    void addRowActions(QMenu *menu, const QModelIndex &index); // above Copy in its menu
    QString sessionAt(const QModelIndex &proxyIndex) const;

    Options m_options;
    Mode m_mode = Mode::Live;
    RecoveryEventTableModel *m_live;
    RecoveryEventTableModel *m_historyModel;
    RecoveryEventFilterProxy *m_proxy;
    std::shared_ptr<const RecoveryEventRateBuckets> m_liveRates;
    EventsActions *m_actions;
    bool m_historyAvailable = false;
    EventHistoryFilter m_historyFilter; // the range last asked for

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
    VisibleTimer *m_ticker = nullptr; // ages, live chart, deployments: while on screen
    int m_keepScroll = -1; // scroll value to restore after rows above it were evicted
    int m_removedAbove = 0;
};

} // namespace switchboard
