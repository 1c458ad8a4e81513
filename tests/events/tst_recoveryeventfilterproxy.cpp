// The events filter proxy under QAbstractItemModelTester (attached before the first
// change): pass-through while no filter or sort is set (the flood case: the same inserts
// and front evictions as the source, one each per pass), filters on and off through
// inserts and front evictions, sorted through both, and each filter (kind, agent,
// session, outcome, text) checked row by row against a brute-force pass over the source.
#include "models/RecoveryEventFilterProxy.h"
#include "models/RecoveryEventTableModel.h"

#include <QAbstractItemModelTester>
#include <QPersistentModelIndex>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <functional>

using namespace switchboard;
using M = RecoveryEventTableModel;
using OF = RecoveryEventFilterProxy::OutcomeFilter;

namespace {
RecoveryEventRow good(int n)
{
    RecoveryEventRow row;
    row.event.at = 1'700'000'000'000 + n;
    row.event.sessionId = QStringLiteral("s-%1").arg(n % 7);
    row.event.agent = n % 2 ? QStringLiteral("triage") : QStringLiteral("billing");
    row.event.kind = n % 3 ? RecoveryKind::ToolError : RecoveryKind::RateLimited;
    row.event.outcome = n % 4 ? RecoveryOutcome::Recovered : RecoveryOutcome::Failed;
    row.event.recoverable = n % 5 != 0;
    row.event.strategy = RecoveryStrategy::Retry;
    row.event.attempt = 1 + n % 3;
    row.event.message = QStringLiteral("event %1").arg(n);
    return row;
}

RecoveryEventRow bad(int n)
{
    RecordFields f;
    f.set("at", QByteArray::number(1'700'000'000'000LL + n));
    f.set("agent", QByteArray("triage"));
    f.set("attempt", QByteArray("lots"));
    return RecoveryEventRow::fromParsed(RecoveryEvent::parse(f, QString::number(n)));
}

// Rows n..n+count-1: mostly events, every 37th bad, every 53rd a gap marker.
std::vector<RecoveryEventRow> burst(int n, int count)
{
    std::vector<RecoveryEventRow> rows;
    for (int i = n; i < n + count; ++i) {
        if (i % 53 == 0)
            rows.push_back(RecoveryEventRow::gap(1'700'000'000'000 + i, QStringLiteral("gap"), 2));
        else
            rows.push_back(i % 37 == 0 ? bad(i) : good(i));
    }
    return rows;
}

// What the proxy must list, found the slow way: every source row through `accept`, in
// arrival order, then stable-sorted by the sort role if a column is given.
std::vector<int> expected(const M &model,
                          const std::function<bool(const RecoveryEventRow &)> &accept,
                          int column = -1, Qt::SortOrder order = Qt::AscendingOrder)
{
    std::vector<int> rows;
    for (int r = 0; r < model.rowCount(); ++r) {
        if (accept(model.rowAt(r)))
            rows.push_back(r);
    }
    if (column >= 0) {
        std::stable_sort(rows.begin(), rows.end(), [&](int a, int b) {
            const QPartialOrdering o = QVariant::compare(model.index(a, column).data(M::SortRole),
                                                         model.index(b, column).data(M::SortRole));
            return order == Qt::AscendingOrder ? o == QPartialOrdering::Less
                                               : o == QPartialOrdering::Greater;
        });
    }
    return rows;
}

std::vector<int> listed(const RecoveryEventFilterProxy &proxy)
{
    std::vector<int> rows;
    for (int r = 0; r < proxy.rowCount(); ++r) {
        const QModelIndex source = proxy.mapToSource(proxy.index(r, M::Message));
        rows.push_back(source.row());
        if (proxy.mapFromSource(source) != proxy.index(r, M::Message))
            rows.push_back(-1); // round trip broken: makes the comparison fail
    }
    return rows;
}

bool isGap(const RecoveryEventRow &r)
{
    return r.type == RecoveryEventRow::Type::Gap;
}
bool isBad(const RecoveryEventRow &r)
{
    return r.type == RecoveryEventRow::Type::Bad;
}
} // namespace

class TestRecoveryEventFilterProxy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // No filter, no sort: the proxy relays the source's own inserts and front removals
    // (same ranges, one each per pass) instead of remapping the whole buffer.
    void passThroughRelaysInsertsAndFrontEvictions()
    {
        M model(300);
        RecoveryEventFilterProxy proxy;
        QAbstractItemModelTester tester(&proxy,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        QVERIFY(proxy.isPassThrough());
        QSignalSpy sourceInserts(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy sourceRemoves(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy inserts(&proxy, &QAbstractItemModel::rowsInserted);
        QSignalSpy removes(&proxy, &QAbstractItemModel::rowsRemoved);
        QSignalSpy resets(&proxy, &QAbstractItemModel::modelReset);
        int n = 0;
        for (int pass = 0; pass < 6; ++pass, n += 120) {
            model.append(burst(n, 120));
            model.flush();
            QCOMPARE(proxy.rowCount(), model.rowCount());
        }
        QCOMPARE(removes.count(), sourceRemoves.count());
        QVERIFY(removes.count() >= 3);
        for (int i = 0; i < removes.count(); ++i) {
            QCOMPARE(removes.at(i).at(1), sourceRemoves.at(i).at(1));
            QCOMPARE(removes.at(i).at(2), sourceRemoves.at(i).at(2));
        }
        QCOMPARE(inserts.count(), sourceInserts.count());
        QCOMPARE(resets.count(), 0);
        QCOMPARE(listed(proxy), expected(model, [](const RecoveryEventRow &) { return true; }));
        QCOMPARE(proxy.index(299, M::Message).data(), model.index(299, M::Message).data());
    }

    // Filters switched on and off between bursts that evict at the front: after every
    // step the proxy lists exactly the accepted source rows, in order, and maps both ways.
    void filtersOnAndOffThroughInsertsAndEvictions()
    {
        M model(250);
        RecoveryEventFilterProxy proxy;
        QAbstractItemModelTester tester(&proxy,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        struct Step
        {
            std::function<void()> set;
            std::function<bool(const RecoveryEventRow &)> accept;
        };
        const auto any = [](const RecoveryEventRow &) {
            return true;
        };
        const std::vector<Step> steps = {
            {[&] { proxy.setOutcome(OF::Failed); },
             [](const RecoveryEventRow &r) {
                 return isGap(r) || (!isBad(r) && r.event.outcome == RecoveryOutcome::Failed);
             }},
            {[&] { proxy.setOutcome(OF::Any); }, any},
            {[&] { proxy.setKind(RecoveryKind::RateLimited); },
             [](const RecoveryEventRow &r) {
                 return isGap(r) || (!isBad(r) && r.event.kind == RecoveryKind::RateLimited);
             }},
            {[&] {
                 proxy.setKind(std::nullopt);
                 proxy.setAgent(QStringLiteral("triage"));
             },
             [](const RecoveryEventRow &r) {
                 return isGap(r) || r.event.agent == QStringLiteral("triage");
             }},
            {[&] {
                 proxy.setAgent(QString());
                 proxy.setSession(QStringLiteral(" s-3 "));
             },
             [](const RecoveryEventRow &r) {
                 return isGap(r) || r.event.sessionId == QStringLiteral("s-3");
             }},
            {[&] {
                 proxy.setSession(QString());
                 proxy.setOutcome(OF::Bad);
             },
             [](const RecoveryEventRow &r) {
                 return isGap(r) || isBad(r);
             }},
            {[&] {
                 proxy.setOutcome(OF::Unrecoverable);
                 proxy.setText(QStringLiteral("EVENT 1"));
             },
             [](const RecoveryEventRow &r) {
                 return isGap(r)
                     || (!isBad(r) && !r.event.recoverable
                         && r.event.message.startsWith(QStringLiteral("event 1")));
             }},
            {[&] {
                 proxy.setOutcome(OF::Any);
                 proxy.setText(QString());
             },
             any},
        };
        int n = 0;
        model.append(burst(n, 200));
        model.flush();
        n += 200;
        for (const Step &step : steps) {
            step.set();
            QCOMPARE(proxy.isPassThrough(),
                     proxy.rowCount() == model.rowCount() && listed(proxy) == expected(model, any)
                         && !proxy.kind() && proxy.outcome() == OF::Any && proxy.agent().isEmpty()
                         && proxy.session().isEmpty());
            QCOMPARE(listed(proxy), expected(model, step.accept));
            for (int pass = 0; pass < 3; ++pass, n += 90) {
                model.append(burst(n, 90)); // evicts 90 at the front once full
                model.flush();
                QCOMPARE(listed(proxy), expected(model, step.accept));
            }
        }
        QVERIFY(proxy.isPassThrough());
        QVERIFY(n > 1000);
    }

    // Sorted (with and without a filter): new rows land at their sorted place, evicted
    // ones leave from wherever they are, ties stay in arrival order, and a row the view
    // holds (a persistent index) follows the sort.
    void sortedThroughInsertsAndEvictions()
    {
        M model(200);
        RecoveryEventFilterProxy proxy;
        QAbstractItemModelTester tester(&proxy,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        model.append(burst(0, 150));
        model.flush();
        const QPersistentModelIndex held = proxy.index(10, M::Message);
        const QVariant heldText = held.data();
        proxy.sort(M::Attempt, Qt::DescendingOrder);
        QVERIFY(held.isValid());
        QCOMPARE(held.data(), heldText);
        const auto any = [](const RecoveryEventRow &) {
            return true;
        };
        QCOMPARE(listed(proxy), expected(model, any, M::Attempt, Qt::DescendingOrder));
        int n = 150;
        for (int pass = 0; pass < 4; ++pass, n += 70) {
            model.append(burst(n, 70));
            model.flush();
            QCOMPARE(listed(proxy), expected(model, any, M::Attempt, Qt::DescendingOrder));
        }
        proxy.setAgent(QStringLiteral("billing"));
        const auto billing = [](const RecoveryEventRow &r) {
            return isGap(r) || r.event.agent == QStringLiteral("billing");
        };
        proxy.sort(M::Agent, Qt::AscendingOrder);
        proxy.sort(M::Time, Qt::DescendingOrder);
        QCOMPARE(listed(proxy), expected(model, billing, M::Time, Qt::DescendingOrder));
        for (int pass = 0; pass < 3; ++pass, n += 70) {
            model.append(burst(n, 70));
            model.flush();
            QCOMPARE(listed(proxy), expected(model, billing, M::Time, Qt::DescendingOrder));
        }
        proxy.sort(-1);
        QCOMPARE(listed(proxy), expected(model, billing));
        proxy.setAgent(QString());
        QVERIFY(proxy.isPassThrough());
        QCOMPARE(listed(proxy), expected(model, any));
    }

    // Relative times refresh as one dataChanged over the Time column: relayed for the
    // listed rows only, filtered or not; a cleared source empties the proxy.
    void dataChangesAndClearAreRelayed()
    {
        M model(100);
        RecoveryEventFilterProxy proxy;
        QAbstractItemModelTester tester(&proxy,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        model.append(burst(0, 80));
        model.flush();
        proxy.setOutcome(OF::Failed);
        QSignalSpy changed(&proxy, &QAbstractItemModel::dataChanged);
        model.setRelativeTimes(false);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 0);
        QCOMPARE(changed.at(0).at(1).toModelIndex().row(), proxy.rowCount() - 1);
        model.clear();
        QCOMPARE(proxy.rowCount(), 0);
        model.append(burst(80, 40));
        model.flush();
        QCOMPARE(listed(proxy), expected(model, [](const RecoveryEventRow &r) {
                     return isGap(r) || (!isBad(r) && r.event.outcome == RecoveryOutcome::Failed);
                 }));
    }
};

QTEST_GUILESS_MAIN(TestRecoveryEventFilterProxy)
#include "tst_recoveryeventfilterproxy.moc"
