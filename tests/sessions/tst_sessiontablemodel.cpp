// SessionTableModel + SessionProxyModel under QAbstractItemModelTester: merges by delta
// (no resets), bursts of upserts / removals against a reference map, bad hashes as marked
// rows, alert crossings, raw-value sort and filter.
#include "SessionTestData.h"
#include "models/SessionProxyModel.h"
#include "models/SessionTableModel.h"

#include <QAbstractItemModelTester>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include <map>
#include <numeric>

using namespace switchboard;
using namespace switchboard::test;

namespace {

constexpr qint64 kNow = 1764200000000;

QString idAt(const SessionTableModel &m, int row)
{
    return m.data(m.index(row, SessionTableModel::Id), SessionTableModel::IdRole).toString();
}

} // namespace

class TestSessionTableModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void mergesWithoutReset()
    {
        SessionTableModel model(SessionSettings {});
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

        model.apply({sessionChange(QStringLiteral("a"), 1000, kNow),
                     sessionChange(QStringLiteral("b"), 50000, kNow),
                     sessionChange(QStringLiteral("c"), 75000, kNow)},
                    {}, kNow);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(inserted.count(), 1); // one insert for the whole poll
        QCOMPARE(model.data(model.index(1, SessionTableModel::Fill)).toString(),
                 QStringLiteral("50 %"));
        QCOMPARE(model.data(model.index(1, SessionTableModel::Fill), SessionTableModel::FillRole)
                     .toDouble(),
                 0.5);
        QCOMPARE(model.data(model.index(0, SessionTableModel::Agent)).toString(),
                 QStringLiteral("support-bot"));
        QCOMPARE(model.data(model.index(0, SessionTableModel::Where)).toString(),
                 QStringLiteral("llm / chat"));
        QCOMPARE(model.data(model.index(0, SessionTableModel::Prompt)).toString(),
                 QStringLiteral("v4"));
        QCOMPARE(model.data(model.index(0, SessionTableModel::State)).toString(),
                 QStringLiteral("active"));

        // One changed, one identical: dataChanged for exactly the changed row.
        model.apply({sessionChange(QStringLiteral("b"), 60000, kNow + 1000),
                     sessionChange(QStringLiteral("c"), 75000, kNow)},
                    {}, kNow + 1000);
        QCOMPARE(changed.count(), 1);
        const auto topLeft = changed.at(0).at(0).value<QModelIndex>();
        const auto bottomRight = changed.at(0).at(1).value<QModelIndex>();
        QCOMPARE(topLeft.row(), 1);
        QCOMPARE(bottomRight.row(), 1);
        QCOMPARE(model.data(model.index(1, SessionTableModel::Fill)).toString(),
                 QStringLiteral("60 %"));
        QCOMPARE(reset.count(), 0);
        QCOMPARE(model.rowCount(), 3);
    }

    void removalsKeepIndexConsistent()
    {
        SessionTableModel model(SessionSettings {});
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVector<SessionChange> all;
        for (int i = 0; i < 10; ++i)
            all.append(sessionChange(QStringLiteral("s%1").arg(i), i * 1000, kNow));
        model.apply(all, {}, kNow);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        // Two runs (2-4, 7) and an unknown id: two removals, highest first.
        model.apply({}, {"s2", "s3", "s4", "s7", "nope"}, kNow);
        QCOMPARE(removed.count(), 2);
        QCOMPARE(removed.at(0).at(1).toInt(), 7);
        QCOMPARE(removed.at(1).at(1).toInt(), 2);
        QCOMPARE(removed.at(1).at(2).toInt(), 4);
        QCOMPARE(model.rowCount(), 6);
        for (int row = 0; row < model.rowCount(); ++row)
            QCOMPARE(model.rowOf(idAt(model, row).toUtf8()), row);
        QCOMPARE(model.rowOf("s3"), -1);
    }

    // The alert list's proxy (alerts only) under bursts where rows enter and leave the
    // filter in many ranges per apply() and rows leave the model: the proxy's two mappings
    // stay inverse to each other and hold exactly the alert rows, in order (the removal
    // path updates the mapping per range instead of rebuilding it).
    void alertsOnlyProxyMapsAfterRangedRemovals()
    {
        SessionSettings settings;
        settings.alertAt = 0.5;
        SessionTableModel model(settings);
        SessionProxyModel alerts(&model);
        QAbstractItemModelTester tester(&alerts,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        alerts.setAlertsOnly(true);
        alerts.sort(SessionTableModel::Fill, Qt::DescendingOrder);
        QRandomGenerator rng(7);
        for (int poll = 0; poll < 30; ++poll) {
            QVector<SessionChange> upserts;
            QVector<QByteArray> gone;
            for (int k = 0; k < 300; ++k) {
                const QString id = QStringLiteral("s-%1").arg(k);
                if (rng.bounded(8) == 0)
                    gone.append(id.toUtf8());
                else if (rng.bounded(2) == 0)
                    upserts.append(sessionChange(id, rng.bounded(100000), kNow + poll));
            }
            // A held row (the selection) follows its session, or goes when it leaves.
            const QPersistentModelIndex held = alerts.rowCount()
                ? QPersistentModelIndex(alerts.index(alerts.rowCount() / 2, 1))
                : QPersistentModelIndex();
            const QString heldId
                = held.isValid() ? held.data(SessionTableModel::IdRole).toString() : QString();
            model.apply(upserts, gone, kNow + poll);
            if (!heldId.isEmpty()) {
                int source = -1;
                for (int r = 0; r < model.rowCount(); ++r)
                    if (model.index(r, 0).data(SessionTableModel::IdRole).toString() == heldId)
                        source = r;
                if (source >= 0 && model.isAlert(source)) {
                    QCOMPARE(held.data(SessionTableModel::IdRole).toString(), heldId);
                    QCOMPARE(held.column(), 1);
                } else {
                    QVERIFY(!held.isValid());
                }
            }
            int expected = 0;
            for (int r = 0; r < model.rowCount(); ++r) {
                const QModelIndex p = alerts.mapFromSource(model.index(r, 0));
                QCOMPARE(p.isValid(), model.isAlert(r));
                if (p.isValid()) {
                    ++expected;
                    QCOMPARE(alerts.mapToSource(p).row(), r);
                }
            }
            QCOMPARE(alerts.rowCount(), expected);
            for (int p = 1; p < alerts.rowCount(); ++p)
                QVERIFY(alerts.index(p - 1, 0).data(SessionTableModel::FillRole).toDouble()
                        >= alerts.index(p, 0).data(SessionTableModel::FillRole).toDouble());
        }
    }

    void burstsMatchReference()
    {
        SessionSettings settings;
        settings.alertAt = 0.8;
        SessionTableModel model(settings);
        SessionProxyModel proxy(&model);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(
            &proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.sort(SessionTableModel::Fill, Qt::DescendingOrder);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

        QRandomGenerator rng(42);
        std::map<QString, qint64> reference; // id -> tokens
        for (int poll = 0; poll < 40; ++poll) {
            QVector<SessionChange> upserts;
            QVector<QByteArray> gone;
            const int n = int(rng.bounded(1, 120));
            for (int k = 0; k < n; ++k) {
                const QString id = QStringLiteral("sess-%1").arg(rng.bounded(400));
                if (rng.bounded(10) == 0) {
                    gone.append(id.toUtf8());
                    reference.erase(id);
                    upserts.erase(
                        std::remove_if(upserts.begin(), upserts.end(),
                                       [&](const SessionChange &c) { return c.id == id.toUtf8(); }),
                        upserts.end());
                } else {
                    gone.removeAll(id.toUtf8()); // a poll never both upserts and drops one id
                    const qint64 tokens = rng.bounded(120000);
                    upserts.append(sessionChange(id, tokens, kNow + poll * 1000));
                    reference[id] = tokens;
                }
            }
            model.apply(upserts, gone, kNow + poll * 1000);
            QCOMPARE(model.rowCount(), int(reference.size()));
            int bad = 0;
            for (int r = 1; r < proxy.rowCount(); ++r)
                bad += proxy.index(r - 1, SessionTableModel::Fill)
                           .data(SessionTableModel::FillRole)
                           .toDouble()
                    < proxy.index(r, SessionTableModel::Fill)
                          .data(SessionTableModel::FillRole)
                          .toDouble();
            QCOMPARE(bad, 0); // the live proxy stays sorted after every poll
        }
        QCOMPARE(reset.count(), 0);
        int alerts = 0;
        for (const auto &[id, tokens] : reference) {
            const int row = model.rowOf(id.toUtf8());
            QVERIFY2(row >= 0, qPrintable(id));
            QCOMPARE(
                model.data(model.index(row, SessionTableModel::Fill), SessionTableModel::FillRole)
                    .toDouble(),
                double(float(double(tokens) / 100000.0)));
            alerts += float(double(tokens) / 100000.0) >= float(0.8) ? 1 : 0;
        }
        QCOMPARE(model.alertCount(), alerts);
        // The proxy is sorted fullest first.
        for (int r = 1; r < proxy.rowCount(); ++r)
            QVERIFY(proxy.index(r - 1, SessionTableModel::Fill)
                        .data(SessionTableModel::FillRole)
                        .toDouble()
                    >= proxy.index(r, SessionTableModel::Fill)
                           .data(SessionTableModel::FillRole)
                           .toDouble());
    }

    // The view's proxy settles at most once per interval: apply() shows nothing new at once,
    // a burst of applies is one settle, and the order it settles to is exactly a full sort
    // by lessThan() (the cached numeric keys, ties by id), for several columns, with many
    // equal values.
    void deferredSettleMatchesFullSort()
    {
        SessionTableModel model(SessionSettings {});
        SessionProxyModel proxy(&model);
        proxy.setSettleIntervalMs(60);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(
            &proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy settled(&proxy, &SessionProxyModel::settled);
        const auto proxyIds = [&] {
            QStringList ids;
            for (int r = 0; r < proxy.rowCount(); ++r)
                ids << proxy.index(r, 0).data(SessionTableModel::IdRole).toString();
            return ids;
        };
        const auto sortedIds = [&](int column, Qt::SortOrder order) {
            QVector<int> rows(model.rowCount());
            std::iota(rows.begin(), rows.end(), 0);
            std::sort(rows.begin(), rows.end(), [&](int a, int b) {
                return order == Qt::AscendingOrder ? model.lessThan(a, b, column)
                                                   : model.lessThan(b, a, column);
            });
            QStringList ids;
            for (int r : rows)
                ids << idAt(model, r);
            return ids;
        };

        QRandomGenerator rng(7);
        const QList<QPair<int, Qt::SortOrder>> sorts {
            {SessionTableModel::Fill, Qt::DescendingOrder},
            {SessionTableModel::Idle, Qt::AscendingOrder},
            {SessionTableModel::Id, Qt::AscendingOrder},
            {SessionTableModel::Agent, Qt::DescendingOrder}};
        for (const auto &[column, order] : sorts) {
            proxy.sort(column, order); // the operator's click applies at once
            QCOMPARE(proxyIds(), sortedIds(column, order));
            for (int burst = 0; burst < 4; ++burst) {
                settled.clear();
                const QStringList listedBefore = proxyIds();
                for (int poll = 0; poll < 6; ++poll) { // one burst: six slices at once
                    QVector<SessionChange> upserts;
                    QVector<QByteArray> gone;
                    for (int k = 0; k < 40; ++k) {
                        const QString id = QStringLiteral("s%1").arg(rng.bounded(300));
                        if (rng.bounded(12) == 0 && !upserts.isEmpty()) {
                            gone.append(id.toUtf8());
                            upserts.erase(std::remove_if(upserts.begin(), upserts.end(),
                                                         [&](const SessionChange &c) {
                                                             return c.id == id.toUtf8();
                                                         }),
                                          upserts.end());
                        } else if (!gone.contains(id.toUtf8())) {
                            // Few distinct values: ties everywhere, broken by id.
                            upserts.append(sessionChange(
                                id, 10000 * rng.bounded(5), kNow + 1000 * rng.bounded(3),
                                rng.bounded(2) ? QStringLiteral("triage")
                                               : QStringLiteral("support-bot")));
                        }
                    }
                    model.apply(upserts, gone, kNow);
                }
                QCOMPARE(settled.count(), 0); // nothing re-sorted inside the burst
                for (const QString &id : proxyIds()) // new rows come at the settle
                    QVERIFY2(listedBefore.contains(id), qPrintable(id));
                QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, 2000);
                QCOMPARE(proxy.rowCount(), model.rowCount());
                QCOMPARE(proxyIds(), sortedIds(column, order));
            }
        }
        // settleNow() does it at once.
        model.apply({sessionChange(QStringLiteral("s-new"), 99000, kNow)}, {}, kNow);
        proxy.settleNow();
        QCOMPARE(proxy.rowCount(), model.rowCount());
        QCOMPARE(proxyIds(), sortedIds(SessionTableModel::Agent, Qt::DescendingOrder));
    }

    // A paced settle of more changed rows than one pass takes (the first poll of a big
    // fleet) lists and sorts them over several passes, ends sorted and says so once.
    void pacedSettleTakesBigBatchesInPasses()
    {
        SessionTableModel model(SessionSettings {});
        SessionProxyModel proxy(&model);
        proxy.setSettleIntervalMs(20);
        proxy.setSettleRowsPerPass(100);
        proxy.sort(SessionTableModel::Fill, Qt::DescendingOrder);
        QAbstractItemModelTester proxyTester(
            &proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy settled(&proxy, &SessionProxyModel::settled);
        QVector<int> listedAfterInsert;
        connect(&proxy, &QAbstractItemModel::rowsInserted, this,
                [&] { listedAfterInsert.append(proxy.rowCount()); });
        const auto proxyIds = [&] {
            QStringList ids;
            for (int r = 0; r < proxy.rowCount(); ++r)
                ids << proxy.index(r, 0).data(SessionTableModel::IdRole).toString();
            return ids;
        };
        const auto sortedIds = [&] {
            QVector<int> rows(model.rowCount());
            std::iota(rows.begin(), rows.end(), 0);
            std::sort(rows.begin(), rows.end(),
                      [&](int a, int b) { return model.lessThan(b, a, SessionTableModel::Fill); });
            QStringList ids;
            for (int r : rows)
                ids << idAt(model, r);
            return ids;
        };
        QRandomGenerator rng(11);
        constexpr int kRows = 450; // more than four passes' worth
        QVector<SessionChange> first;
        for (int i = 0; i < kRows; ++i)
            first.append(
                sessionChange(QStringLiteral("s%1").arg(i), 1000 * rng.bounded(150), kNow));
        model.apply(first, {}, kNow);
        QCOMPARE(proxy.rowCount(), 0); // listed at the settle, not at once
        QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, 5000);
        QCOMPARE(proxy.rowCount(), kRows);
        QCOMPARE(proxyIds(), sortedIds());
        QVERIFY2(listedAfterInsert.size() >= 3, "the rows came in one pass");
        QCOMPARE(listedAfterInsert.first(), 100);
        // Every listed row changes its value (placed in one pass: the rows they are merged
        // among must be in order by their current values) and 300 new rows come (listed
        // over several passes): sorted at the end, one settled() for it all.
        settled.clear();
        listedAfterInsert.clear();
        QVector<SessionChange> second;
        for (int i = 0; i < kRows + 300; ++i)
            second.append(
                sessionChange(QStringLiteral("s%1").arg(i), 1000 * rng.bounded(150), kNow + 1000));
        model.apply(second, {}, kNow + 1000);
        QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, 5000);
        QVERIFY2(listedAfterInsert.size() >= 3, "the new rows came in one pass");
        QCOMPARE(proxy.rowCount(), kRows + 300);
        QCOMPARE(proxyIds(), sortedIds());
        // The operator's sort applies at once, whatever is pending.
        model.apply(first.mid(0, 300), {}, kNow + 2000);
        proxy.sort(SessionTableModel::Fill, Qt::AscendingOrder);
        QStringList ascending = sortedIds();
        std::reverse(ascending.begin(), ascending.end());
        QCOMPARE(proxyIds(), ascending);
    }

    void badHashesAreMarkedRows()
    {
        SessionTableModel model(SessionSettings {});
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<QByteArray> wrongType = sessionFields(QStringLiteral("x"), 1, kNow);
        wrongType[wrongType.indexOf(QByteArrayLiteral("ctx_tokens")) + 1] = "lots";
        QList<QByteArray> missing = sessionFields(QStringLiteral("y"), 1, kNow);
        const int agentAt = int(missing.indexOf(QByteArrayLiteral("agent")));
        missing.remove(agentAt, 2);
        QList<QByteArray> huge = sessionFields(QStringLiteral("z"), 1, kNow);
        huge[huge.indexOf(QByteArrayLiteral("model")) + 1] = QByteArray(10 * 1024 * 1024, 'm');
        QList<QByteArray> odd = {"agent"};
        model.apply({SessionChange::parse("x", wrongType), SessionChange::parse("y", missing),
                     SessionChange::parse("z", huge), SessionChange::parse("w", odd),
                     sessionChange(QStringLiteral("good"), 95000, kNow)},
                    {}, kNow);
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.badCount(), 4);
        auto tip = [&](const char *id) {
            return model
                .data(model.index(model.rowOf(id), SessionTableModel::Fill), Qt::ToolTipRole)
                .toString();
        };
        QVERIFY2(tip("x").contains(QStringLiteral("ctx_tokens = 'lots' is not an integer")),
                 qPrintable(tip("x")));
        QVERIFY2(tip("y").contains(QStringLiteral("field agent is missing")), qPrintable(tip("y")));
        QVERIFY2(tip("z").contains(QStringLiteral("over the 4096-byte cap")), qPrintable(tip("z")));
        QVERIFY(model.data(model.index(model.rowOf("x"), 0), SessionTableModel::BadRole).toBool());
        QVERIFY(model.data(model.index(model.rowOf("x"), 0))
                    .toString()
                    .startsWith(QStringLiteral("⚠")));
        QCOMPARE(model.data(model.index(model.rowOf("x"), SessionTableModel::State)).toString(),
                 QStringLiteral("bad data"));
        // A bad row never alerts; the good one does and keeps updating.
        QCOMPARE(model.alertCount(), 1);
        model.apply({sessionChange(QStringLiteral("good"), 20000, kNow + 1),
                     sessionChange(QStringLiteral("x"), 5, kNow + 1)},
                    {}, kNow + 1);
        QCOMPARE(model.badCount(), 3); // x repaired
        QCOMPARE(model.alertCount(), 0);
        QCOMPARE(model.data(model.index(model.rowOf("good"), SessionTableModel::Fill)).toString(),
                 QStringLiteral("20 %"));
    }

    void unknownWindowIsASessionWithoutFill()
    {
        // The OpenTelemetry receiver leaves ctx_limit out when nobody told it the model's
        // window: the session is a normal row that says so, never bad data, never an
        // alert however many tokens, and sorts below every known fill.
        SessionTableModel model(SessionSettings {});
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<QByteArray> fields = sessionFields(QStringLiteral("otel"), 990000, kNow);
        const int at = int(fields.indexOf(QByteArrayLiteral("ctx_limit")));
        QVERIFY(at >= 0);
        fields.remove(at, 2);
        model.apply({SessionChange::parse("otel", fields),
                     sessionChange(QStringLiteral("known"), 10000, kNow)},
                    {}, kNow);
        QCOMPARE(model.badCount(), 0);
        QCOMPARE(model.alertCount(), 0);
        const int row = model.rowOf("otel");
        QCOMPARE(model.data(model.index(row, SessionTableModel::Fill)).toString(),
                 QStringLiteral("unknown"));
        QCOMPARE(model.data(model.index(row, SessionTableModel::Fill), SessionTableModel::FillRole)
                     .toDouble(),
                 -1.0);
        const QString tip
            = model.data(model.index(row, SessionTableModel::Fill), Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("990000 tokens"))
                     && tip.contains(QStringLiteral("not known")),
                 qPrintable(tip));
        QCOMPARE(model.data(model.index(row, SessionTableModel::State)).toString(),
                 QStringLiteral("active"));
        QVERIFY(model.sortKey(row, SessionTableModel::Fill)
                < model.sortKey(model.rowOf("known"), SessionTableModel::Fill));
    }

    void alertCrossings()
    {
        QCOMPARE(SessionSettings {}.alertAt, 0.70); // the design's alert level
        SessionSettings high;
        high.alertAt = 0.9;
        SessionTableModel model(high);
        QSignalSpy crossed(&model, &SessionTableModel::thresholdCrossed);
        model.apply({sessionChange(QStringLiteral("a"), 50000, kNow)}, {}, kNow);
        QCOMPARE(crossed.count(), 0);
        model.apply({sessionChange(QStringLiteral("a"), 91000, kNow + 5000)}, {}, kNow + 6000);
        QCOMPARE(crossed.count(), 1);
        QCOMPARE(crossed.at(0).at(0).toStringList(), QStringList {QStringLiteral("a")});
        const int row = model.rowOf("a");
        QCOMPARE(model.data(model.index(row, 0), SessionTableModel::CrossedAtRole).toLongLong(),
                 kNow + 5000);
        // Still above: no new crossing, the time is kept.
        model.apply({sessionChange(QStringLiteral("a"), 97000, kNow + 9000)}, {}, kNow + 9000);
        QCOMPARE(crossed.count(), 1);
        QCOMPARE(model.data(model.index(row, 0), SessionTableModel::CrossedAtRole).toLongLong(),
                 kNow + 5000);
        QCOMPARE(model.alertCount(), 1);
        // Summarised below: off the list; a later rise is a new crossing.
        model.apply({sessionChange(QStringLiteral("a"), 30000, kNow + 12000)}, {}, kNow + 12000);
        QCOMPARE(model.alertCount(), 0);
        model.apply({sessionChange(QStringLiteral("a"), 92000, kNow + 15000)}, {}, kNow + 15000);
        QCOMPARE(crossed.count(), 2);
        // Lowering the level in the settings puts more sessions on the list.
        model.apply({sessionChange(QStringLiteral("b"), 75000, kNow + 15000)}, {}, kNow + 15000);
        SessionSettings lower;
        lower.alertAt = 0.7;
        model.setSettings(lower);
        QCOMPARE(model.alertCount(), 2);
        QCOMPARE(crossed.count(), 3);
        // An expired session leaves the list and the count.
        model.apply({}, {"a"}, kNow + 20000);
        QCOMPARE(model.alertCount(), 1);
    }

    void proxyFiltersAndAlertsOnly()
    {
        SessionTableModel model(SessionSettings {});
        SessionProxyModel proxy(&model);
        SessionProxyModel alerts(&model);
        alerts.setAlertsOnly(true);
        QAbstractItemModelTester t1(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(&alerts,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.apply({sessionChange(QStringLiteral("a1"), 10000, kNow, QStringLiteral("billing")),
                     sessionChange(QStringLiteral("a2"), 95000, kNow, QStringLiteral("support")),
                     sessionChange(QStringLiteral("a3"), 99000, kNow, QStringLiteral("billing"))},
                    {}, kNow);
        QCOMPARE(alerts.rowCount(), 2);
        proxy.setNeedle(QStringLiteral("BILL"));
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setNeedle(QStringLiteral("a2"));
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setNeedle(QString());
        proxy.sort(SessionTableModel::Fill, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, 0).data(SessionTableModel::IdRole).toString(),
                 QStringLiteral("a3"));
        // A change re-sorts the live proxy and updates the alert list without a reset.
        model.apply({sessionChange(QStringLiteral("a1"), 99500, kNow + 1)}, {}, kNow + 1);
        QCOMPARE(proxy.index(0, 0).data(SessionTableModel::IdRole).toString(),
                 QStringLiteral("a1"));
        QCOMPARE(alerts.rowCount(), 3);
    }
};

QTEST_GUILESS_MAIN(TestSessionTableModel)
#include "tst_sessiontablemodel.moc"
