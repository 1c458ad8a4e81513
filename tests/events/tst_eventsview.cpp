// The events view's behaviour that is not the model's: following the tail, keeping the
// rows the operator is reading in place while older ones are evicted above them, the
// cross-view filterSession slot, and the exact counters line. The view is built by its
// feature (app/EventsFeature) without Redis: rows are fed to the live model directly (the
// tail itself is tested against Redis in tst_recoveryeventtail).
#include "app/EventsFeature.h"
#include "core/pg/PgPool.h"
#include "models/RecoveryEventFilterProxy.h"
#include "models/RecoveryEventTableModel.h"
#include "support/PostgresServer.h"
#include "widgets/EventRateChart.h"
#include "widgets/EventsView.h"

#include <QAbstractItemModelTester>
#include <QChart>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QScrollBar>
#include <QTableView>
#include <QTest>
#include <QValueAxis>

using namespace switchboard;

namespace {
RecoveryEventRow row(int n)
{
    RecoveryEventRow r;
    r.event.at = QDateTime::currentMSecsSinceEpoch();
    r.event.sessionId = QStringLiteral("s-%1").arg(n % 4);
    r.event.agent = QStringLiteral("triage");
    r.event.recoverable = true;
    r.event.outcome = n % 10 ? RecoveryOutcome::Recovered : RecoveryOutcome::Failed;
    r.event.message = QStringLiteral("n=%1").arg(n);
    return r;
}

void feed(EventsView &view, int from, int to)
{
    std::vector<RecoveryEventRow> rows;
    for (int n = from; n < to; ++n)
        rows.push_back(row(n));
    view.liveModel()->append(std::move(rows));
    view.liveModel()->flush();
    QCoreApplication::processEvents();
}

QString topMessage(const EventsView &view)
{
    const QTableView *t = view.table();
    const QModelIndex top = t->indexAt(QPoint(5, 5));
    return top.siblingAtColumn(RecoveryEventTableModel::Message).data().toString();
}
} // namespace

class TestEventsView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void followsTheTailThenKeepsTheReadingPosition()
    {
        EventsView::Options options;
        options.capacity = 300;
        EventsFeature events(ConnectionProfile(), nullptr, options);
        EventsView &view = *events.view();
        QAbstractItemModelTester tester(view.proxy(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        view.resize(1000, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        feed(view, 0, 200);
        QScrollBar *bar = view.table()->verticalScrollBar();
        QVERIFY(view.followsTail());
        QTRY_COMPARE(bar->value(), bar->maximum());

        // The operator scrolls up: following stops, and eviction above keeps the row
        // they read at the top.
        bar->setSliderPosition(100); // row 100: below what will be evicted
        bar->triggerAction(QAbstractSlider::SliderMove);
        QTRY_VERIFY(!view.followsTail());
        const QString reading = topMessage(view);
        QCOMPARE(reading, QStringLiteral("n=100"));
        feed(view, 200, 250); // 300 - 250 = nothing evicted yet
        QCOMPARE(topMessage(view), reading);
        feed(view, 250, 320); // 20 evicted above the reading position
        QCOMPARE(view.liveModel()->rowCount(), 300);
        QCOMPARE(topMessage(view), reading);

        // Following again jumps to the newest row.
        bar->triggerAction(QAbstractSlider::SliderToMaximum);
        QTRY_VERIFY(view.followsTail());
        feed(view, 320, 400);
        QTRY_COMPARE(bar->value(), bar->maximum());
    }

    void filterSessionAndCounters()
    {
        EventsView::Options options;
        options.capacity = 50;
        EventsFeature events(ConnectionProfile(), nullptr, options);
        EventsView &view = *events.view();
        feed(view, 0, 120); // 12 failed of 120; 50 kept
        view.filterSession(QStringLiteral("s-1"));
        QCOMPARE(view.proxy()->session(), QStringLiteral("s-1"));
        for (int r = 0; r < view.proxy()->rowCount(); ++r)
            QCOMPARE(view.proxy()->index(r, RecoveryEventTableModel::Session).data().toString(),
                     QStringLiteral("s-1"));
        const QString text = view.countersText();
        QVERIFY2(text.startsWith(QStringLiteral("120 events · ✗ 12 failed")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("showing %1 of 50").arg(view.proxy()->rowCount())),
                 qPrintable(text));
        QVERIFY(view.chart()->seriesCount() >= 0);
    }

    // A filter change resets the proxy: the operator's current row stays current (and
    // selected) when it passes the new filter.
    void filterChangeKeepsTheCurrentRow()
    {
        EventsView::Options options;
        options.capacity = 300;
        EventsFeature events(ConnectionProfile(), nullptr, options);
        EventsView &view = *events.view();
        view.resize(1000, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        feed(view, 0, 200);
        QTableView *t = view.table();
        t->setCurrentIndex(view.proxy()->index(41, RecoveryEventTableModel::Message));
        QCOMPARE(t->currentIndex().data().toString(), QStringLiteral("n=41"));
        view.filterSession(QStringLiteral("s-1")); // 41 % 4 == 1: still listed
        QVERIFY(!view.proxy()->isPassThrough());
        QCOMPARE(view.proxy()->rowCount(), 50);
        QCOMPARE(t->currentIndex().siblingAtColumn(RecoveryEventTableModel::Message).data(),
                 QVariant(QStringLiteral("n=41")));
        QVERIFY(t->selectionModel()->isRowSelected(t->currentIndex().row()));
        view.filterSession(QString());
        QVERIFY(view.proxy()->isPassThrough());
        QCOMPARE(t->currentIndex().siblingAtColumn(RecoveryEventTableModel::Message).data(),
                 QVariant(QStringLiteral("n=41")));
    }

    // The rate chart updates in place every 2 s, deployment markers included: the same
    // series objects, new points, and a value axis whose top only steps (4, 8, 20, 40 ...)
    // so its labels are not laid out again on every update; the markers reach the top.
    void rateChartUpdatesInPlaceWithMarkers()
    {
        EventRateChart chart;
        chart.resize(900, 250);
        chart.show();
        const qint64 to = 1'700'000'040'000 - 1'700'000'040'000 % 60000 + 60000;
        const qint64 from = to - 600000;
        QMap<qint64, RecoveryEventRateBuckets::Counts> buckets;
        RecoveryEventRateBuckets::Counts counts {};
        counts[size_t(RecoveryKind::ToolError)] = 30;
        buckets[to - 120000] = counts;
        chart.setDeployments(
            {{QStringLiteral("triage"), 3, to - 300000, QStringLiteral("deploy")}});
        chart.setRates(buckets, 60000, from, to);
        const QList<QAbstractSeries *> before = chart.chart()->series();
        QCOMPARE(before.size(), 2); // one kind + one marker
        const auto *y = qobject_cast<QValueAxis *>(chart.chart()->axes(Qt::Vertical).value(0));
        QVERIFY(y);
        QCOMPARE(y->max(), 40.0);
        counts[size_t(RecoveryKind::ToolError)] = 35;
        buckets[to - 60000] = counts;
        chart.setRates(buckets, 60000, from, to);
        QCOMPARE(chart.chart()->series(), before); // in place
        QCOMPARE(y->max(), 40.0); // 35 * 1.1 still fits
        const auto *line = qobject_cast<QLineSeries *>(before.at(0));
        QVERIFY(line);
        QCOMPARE(line->at(9).y(), 35.0);
        counts[size_t(RecoveryKind::ToolError)] = 70;
        buckets[to - 60000] = counts;
        chart.setRates(buckets, 60000, from, to);
        QCOMPARE(chart.chart()->series(), before);
        QCOMPARE(y->max(), 80.0);
        const auto *mark = qobject_cast<QLineSeries *>(before.at(1));
        QVERIFY(mark);
        QCOMPARE(mark->at(1).y(), 80.0);
        // The live window moves on a minute with the marker still in it: in place.
        buckets[to] = counts;
        chart.setRates(buckets, 60000, from + 60000, to + 60000);
        QCOMPARE(chart.chart()->series(), before);
        QCOMPARE(line->at(9).y(), 70.0); // the newest minute is the last point now
        const auto *x = qobject_cast<QDateTimeAxis *>(chart.chart()->axes(Qt::Horizontal).value(0));
        QVERIFY(x);
        QCOMPARE(x->min().toMSecsSinceEpoch(), from + 60000);
        // Moved so far that the marker leaves the window: rebuilt without it.
        chart.setRates(buckets, 60000, from + 360000, to + 360000);
        QCOMPARE(chart.seriesCount(), 1);
        chart.setRates(buckets, 60000, from, to);
        QCOMPARE(chart.seriesCount(), 2);
        counts[size_t(RecoveryKind::RateLimited)] = 1; // a new kind: rebuilt
        buckets[to - 60000] = counts;
        chart.setRates(buckets, 60000, from, to);
        QCOMPARE(chart.seriesCount(), 3);
    }

    void historyModeShowsThePostgresRowsThenLiveAgain()
    {
        test::PostgresServer pg;
        QVERIFY2(pg.start(), qPrintable(pg.error()));
        QVERIFY2(pg.createDatabase(QStringLiteral("v")), qPrintable(pg.error()));
        bool ok = false;
        pg.psql(QStringLiteral("v"),
                QStringLiteral("INSERT INTO agentops.recovery_events (at, session_id, agent, "
                               "kind, recoverable, strategy, outcome, attempt, message) SELECT "
                               "now() - g * interval '1 second', 's-h', 'billing', 'tool_error', "
                               "g % 2 = 0, 'retry', 'failed', 1, 'h=' || g FROM "
                               "generate_series(1, 30) g"),
                &ok);
        QVERIFY(ok);
        PgPool pool(PgConfig(pg.dsn(QStringLiteral("v"))));
        EventsFeature events(ConnectionProfile(), nullptr, EventsView::Options {});
        EventsView &view = *events.view();
        QAbstractItemModelTester tester(view.proxy(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        feed(view, 0, 5);
        events.setPool(&pool);
        view.loadHistory(); // the toolbar's default range: the last hour
        QCOMPARE(view.mode(), EventsView::Mode::History);
        QTRY_COMPARE_WITH_TIMEOUT(view.proxy()->rowCount(), 30, 20000);
        QCOMPARE(view.proxy()->index(0, RecoveryEventTableModel::Message).data().toString(),
                 QStringLiteral("h=1")); // newest first
        QVERIFY2(view.countersText().startsWith(QStringLiteral("30 events · ✗ 30 failed · ⚠ 15 "
                                                               "unrecoverable")),
                 qPrintable(view.countersText()));
        view.setMode(EventsView::Mode::Live);
        QCOMPARE(view.proxy()->rowCount(), 5);
    }
};

QTEST_MAIN(TestEventsView)
#include "tst_eventsview.moc"
