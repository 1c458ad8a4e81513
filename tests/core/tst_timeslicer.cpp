// TimeSlicer, the one time-budget slicer (sessions feed, process tree, poller, sessions
// proxy, events flush): slices end on the budget as the injected clock says, a slicer
// with no work holds no timer, work left continues in the next pass, schedule() is paced
// and coalesced, runNow() disarms what was armed.
#include "core/util/Clock.h"
#include "core/util/TimeSlicer.h"

#include <QTest>

using namespace switchboard;

class TestTimeSlicer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sliceEndsOnTheInjectedBudget()
    {
        ManualClock clock;
        TimeSlicer::Slice s(&clock, 4);
        QVERIFY(!s.spent());
        QVERIFY(s.fits(3000000));
        clock.advanceMs(3);
        QVERIFY(!s.spent());
        QVERIFY(!s.fits(2000000)); // 3 + 2 > 4
        QVERIFY(s.fits(0)); // no estimate yet: the first step always fits
        QVERIFY(!s.spentEvery(64, 64));
        clock.advanceMs(1);
        QVERIFY(s.spent());
        QVERIFY(!s.spent(2));
        QVERIFY(!s.spentEvery(0, 64)); // never before the first step
        QVERIFY(!s.spentEvery(63, 64)); // the clock is read every 64 steps only
        QVERIFY(s.spentEvery(128, 64));
        clock.advanceMs(4);
        QVERIFY(s.spent(2));
        QCOMPARE(s.elapsedMs(), qint64(8));

        TimeSlicer::Slice unlimited(&clock, 0);
        clock.advanceMs(100000);
        QVERIFY(unlimited.unlimited());
        QVERIFY(!unlimited.spent());
        QVERIFY(unlimited.fits(qint64(1) << 40));
    }

    void workLeftContinuesInLaterPasses()
    {
        ManualClock clock;
        int items = 10;
        int passes = 0;
        TimeSlicer slicer(
            2,
            [&](const TimeSlicer::Slice &slice) {
                ++passes;
                // Each item "costs" 1 ms on the injected clock: two fit in a slice.
                while (items > 0 && !slice.spent()) {
                    --items;
                    clock.advanceMs(1);
                }
                return items > 0;
            },
            nullptr, &clock);
        QVERIFY(!slicer.isScheduled()); // no work: no timer
        slicer.schedule();
        QVERIFY(slicer.isScheduled());
        QCOMPARE(passes, 0); // not inside schedule()
        QTRY_COMPARE(items, 0);
        QCOMPARE(passes, 5);
        QCOMPARE(slicer.passes(), quint64(5));
        QVERIFY(!slicer.isScheduled()); // done: nothing stays armed
        QTest::qWait(20);
        QCOMPARE(passes, 5);
    }

    void scheduleCoalescesAndRunNowDisarms()
    {
        int passes = 0;
        TimeSlicer slicer(0, [&](const TimeSlicer::Slice &slice) {
            ++passes;
            return !slice.unlimited(); // never more: unlimited budget
        });
        slicer.schedule();
        slicer.schedule();
        slicer.schedule();
        QTRY_COMPARE(passes, 1);
        QTest::qWait(10);
        QCOMPARE(passes, 1);

        slicer.schedule();
        slicer.runNow(); // the armed pass is this one
        QCOMPARE(passes, 2);
        QVERIFY(!slicer.isScheduled());
        QTest::qWait(10);
        QCOMPARE(passes, 2);

        slicer.schedule();
        slicer.cancel();
        QTest::qWait(10);
        QCOMPARE(passes, 2);
    }

    void schedulePacesFromTheLastPass()
    {
        ManualClock clock;
        int passes = 0;
        TimeSlicer slicer(
            0,
            [&](const TimeSlicer::Slice &) {
                ++passes;
                return false;
            },
            nullptr, &clock);
        slicer.setMinIntervalMs(50000);
        QCOMPARE(slicer.sinceLastPassMs(), qint64(-1));
        slicer.schedule(); // never ran: at once
        QVERIFY(slicer.scheduledInMs() >= 0 && slicer.scheduledInMs() <= 1);
        QTRY_COMPARE(passes, 1);
        QCOMPARE(slicer.scheduledInMs(), -1);
        clock.advanceMs(20000);
        QCOMPARE(slicer.sinceLastPassMs(), qint64(20000));
        // 30 s left of the interval, by the injected clock (a coarse timer: Qt may move
        // it by up to 5 %)
        slicer.schedule();
        QVERIFY2(slicer.scheduledInMs() > 28000 && slicer.scheduledInMs() <= 31500,
                 qPrintable(QString::number(slicer.scheduledInMs())));
        slicer.schedule(); // armed already: unchanged
        QVERIFY(slicer.scheduledInMs() > 28000);
        QCOMPARE(passes, 1);
        slicer.runNow();
        QCOMPARE(passes, 2);
        QCOMPARE(slicer.scheduledInMs(), -1);
        clock.advanceMs(50000);
        slicer.schedule(); // the interval is over: at once
        QVERIFY(slicer.scheduledInMs() >= 0 && slicer.scheduledInMs() <= 1);
        QTRY_COMPARE(passes, 3);
    }

    void continuationIsNotPaced()
    {
        int passes = 0;
        TimeSlicer slicer(0, [&](const TimeSlicer::Slice &) { return ++passes < 3; });
        slicer.setMinIntervalMs(60000);
        slicer.runNow();
        QCOMPARE(passes, 1);
        QTRY_COMPARE(passes, 3); // the rest of the work: next passes, not a minute apart
    }
};

QTEST_GUILESS_MAIN(TestTimeSlicer)
#include "tst_timeslicer.moc"
