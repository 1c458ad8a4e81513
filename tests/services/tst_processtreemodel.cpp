// ProcessTreeModel under QAbstractItemModelTester (attached before the first change)
// through bursts of inserts, removals, changes, layer moves, vanished hashes and bad
// records: the tree stays consistent, it merges (never resets), and persistent indexes
// of untouched rows survive.
#include "core/contract/ProcessRecord.h"
#include "models/ProcessTreeModel.h"

#include <QAbstractItemModelTester>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using namespace switchboard;

namespace {

IndexRecord proc(const QString &host, const QString &layer, const QString &app, int pmId, qint64 at,
                 ProcessStatus status = ProcessStatus::Online, double cpu = 1.5)
{
    ProcessRecord r;
    r.host = host;
    r.app = app;
    r.pmId = pmId;
    r.layer = layer;
    r.status = status;
    r.restarts = pmId;
    r.heartbeatAt = at;
    r.startedAt = at - 60000;
    r.cpu = cpu;
    r.memory = 50 * 1024 * 1024;
    return {
        QString(host + QLatin1Char(':') + app + QLatin1Char(':') + QString::number(pmId)).toUtf8(),
        at, r.toFields().toFlatList()};
}

} // namespace

class TestProcessTreeModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void burstsKeepTheTreeConsistent()
    {
        ProcessTreeModel model;
        qint64 now = 1'700'000'000'000;
        model.setClock([&now] { return now; });
        model.setSliceBudgetMs(0); // whole deltas at once: slicing has its own test below
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);

        IndexDelta first;
        for (int h = 0; h < 5; ++h)
            for (int a = 0; a < 3; ++a)
                for (int i = 0; i < 4; ++i)
                    first.upserts.append(
                        proc(QStringLiteral("host%1").arg(h),
                             a == 2 ? QStringLiteral("llm") : QStringLiteral("voice"),
                             QStringLiteral("app%1").arg(a), i, now));
        model.applyDelta(first);
        QCOMPARE(model.instanceCount(), 60);
        QCOMPARE(model.rowCount(), 5);
        const QModelIndex host2 = model.index(2, 0);
        QCOMPARE(model.data(host2).toString(), QStringLiteral("host2"));
        QCOMPARE(model.rowCount(host2), 2); // voice, llm
        const QPersistentModelIndex keep = model.indexOfMember("host4:app0:3");
        QVERIFY(keep.isValid());

        QRandomGenerator rng(42);
        for (int burst = 0; burst < 40; ++burst) {
            now += 2000;
            IndexDelta d;
            for (int k = 0; k < 30; ++k) {
                const int h = rng.bounded(6), a = rng.bounded(4), i = rng.bounded(5);
                const QString host = QStringLiteral("host%1").arg(h);
                const QString app = QStringLiteral("app%1").arg(a);
                const QByteArray member
                    = QString(host + QLatin1Char(':') + app + QLatin1Char(':') + QString::number(i))
                          .toUtf8();
                if (h == 4 && a == 0 && i == 3)
                    continue; // the persistent row is never touched
                switch (rng.bounded(6)) {
                case 0:
                    d.removed.append(member);
                    break;
                case 1: // layer move
                    d.upserts.append(proc(host, QStringLiteral("tool"), app, i, now));
                    break;
                case 2:
                    d.vanished.append({member, now - 10000, {}});
                    break;
                case 3:
                    d.upserts.append({member, now, {"host", "x", "status", "exploded"}}); // bad
                    break;
                case 4:
                    d.touched.append({member, now, {}});
                    break;
                default:
                    d.upserts.append(
                        proc(host, QStringLiteral("voice"), app, i, now, ProcessStatus::Errored));
                }
            }
            model.applyDelta(d);
            model.tick();
        }
        QCOMPARE(resets.count(), 0);
        QVERIFY(keep.isValid());
        QCOMPARE(keep.data(ProcessTreeModel::MemberRole).toByteArray(), QByteArray("host4:app0:3"));
        // Removing everything leaves an empty tree, still without a reset.
        IndexDelta all;
        for (int h = 0; h < 6; ++h)
            for (int a = 0; a < 4; ++a)
                for (int i = 0; i < 5; ++i)
                    all.removed.append(
                        QStringLiteral("host%1:app%2:%3").arg(h).arg(a).arg(i).toUtf8());
        model.applyDelta(all);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.instanceCount(), 0);
        QCOMPARE(resets.count(), 0);
    }

    void silentHostIsShownSilentSince()
    {
        ProcessTreeModel model;
        model.setSliceBudgetMs(0);
        qint64 now = 1'700'000'000'000;
        model.setClock([&now] { return now; });
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        IndexDelta d;
        d.upserts = {proc(QStringLiteral("a"), QStringLiteral("llm"), QStringLiteral("x"), 0, now),
                     proc(QStringLiteral("b"), QStringLiteral("llm"), QStringLiteral("x"), 0, now)};
        model.applyDelta(d);
        const QModelIndex a = model.index(0, ProcessTreeModel::Status);
        QVERIFY(!a.data(ProcessTreeModel::SilentRole).toBool());
        QCOMPARE(a.data().toString(), QStringLiteral("1/1 online"));
        now += 7000; // > 3 x 2000 ms
        IndexDelta beat;
        beat.touched = {{"b:x:0", now, {}}};
        model.applyDelta(beat);
        QVERIFY(a.data(ProcessTreeModel::SilentRole).toBool());
        QVERIFY2(a.data().toString().startsWith(QStringLiteral("silent since")),
                 qPrintable(a.data().toString()));
        QCOMPARE(a.data(ProcessTreeModel::StatusKindRole).toInt(), 2);
        QVERIFY(!model.index(1, 0).data(ProcessTreeModel::SilentRole).toBool());
        // Restarts in the last hour: every time the instance came online, whoever caused it.
        QVector<LoggedProcessEvent> events(3);
        for (int i = 0; i < 3; ++i) {
            events[i].event.host = QStringLiteral("b");
            events[i].event.app = QStringLiteral("x");
            events[i].event.pmId = 0;
            events[i].event.at = now - 1000 * i - (i == 2 ? 2 * 3600 * 1000 : 0); // 1 too old
            events[i].event.event = ProcessEventKind::Online;
        }
        model.addEvents(events);
        QCOMPARE(model.indexOfMember("b:x:0")
                     .siblingAtColumn(ProcessTreeModel::RestartsHour)
                     .data()
                     .toString(),
                 QStringLiteral("2"));
        // A bad record is a marked row, with the parser's reason.
        IndexDelta bad;
        bad.upserts = {{"b:x:0", now, {"status", "exploded"}}};
        model.applyDelta(bad);
        const QModelIndex inst = model.indexOfMember("b:x:0");
        QCOMPARE(inst.siblingAtColumn(ProcessTreeModel::Status).data().toString(),
                 QStringLiteral("bad record"));
        QVERIFY(!inst.data(ProcessTreeModel::BadRole).toString().isEmpty());
    }

    // A fixed defect: a silent host's instances, seen only as members whose hashes
    // expired, showed as "reasoner #0" twice. Each is named by its own member.
    void silentInstancesAreNamedByTheirMember()
    {
        ProcessTreeModel model;
        model.setSliceBudgetMs(0);
        qint64 now = 1'700'000'000'000;
        model.setClock([&now] { return now; });
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        IndexDelta d;
        d.vanished
            = {{"edge-07:reasoner:0", now - 240000, {}}, {"edge-07:reasoner:1", now - 240000, {}}};
        model.applyDelta(d);
        QCOMPARE(model.instanceCount(), 2);
        const QModelIndex i0 = model.indexOfMember("edge-07:reasoner:0");
        const QModelIndex i1 = model.indexOfMember("edge-07:reasoner:1");
        QCOMPARE(i0.data().toString(), QStringLiteral("reasoner #0"));
        QCOMPARE(i1.data().toString(), QStringLiteral("reasoner #1"));
        QCOMPARE(i1.data(ProcessTreeModel::PmIdRole).toLongLong(), 1);
    }

    // Big deltas are applied in slices across event-loop passes (a 1 ms budget here),
    // in order, under the tester, without a reset, and end in the same tree as applying
    // them at once; a persistent index taken mid-way survives.
    void bigDeltasAreAppliedInSlices()
    {
        qint64 now = 1'700'000'000'000;
        const auto fleet = [&now](int hosts) {
            IndexDelta d;
            for (int h = 0; h < hosts; ++h)
                for (int a = 0; a < 5; ++a)
                    for (int i = 0; i < 4; ++i)
                        d.upserts.append(
                            proc(QStringLiteral("host%1").arg(h, 3, 10, QLatin1Char('0')),
                                 a % 2 ? QStringLiteral("llm") : QStringLiteral("voice"),
                                 QStringLiteral("app%1").arg(a), a * 4 + i, now));
            return d;
        };
        const IndexDelta first = fleet(20); // 400 instances
        IndexDelta second;
        for (int h = 0; h < 20; h += 3) {
            const QString host = QStringLiteral("host%1").arg(h, 3, 10, QLatin1Char('0'));
            second.removed.append(QString(host + QStringLiteral(":app0:0")).toUtf8());
            second.touched.append(
                {QString(host + QStringLiteral(":app1:4")).toUtf8(), now + 2000, {}});
            second.vanished.append({QString(host + QStringLiteral(":app2:8")).toUtf8(), now, {}});
            second.upserts.append(proc(host, QStringLiteral("tool"), QStringLiteral("app3"), 12,
                                       now + 2000, ProcessStatus::Errored)); // layer move
        }

        ProcessTreeModel sliced;
        sliced.setClock([&now] { return now; });
        sliced.setSliceBudgetMs(1);
        QAbstractItemModelTester tester(&sliced,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&sliced, &QAbstractItemModel::modelReset);
        QSignalSpy applied(&sliced, &ProcessTreeModel::applied);
        int passes = 0;
        QTimer probe;
        connect(&probe, &QTimer::timeout, [&passes] { ++passes; });
        probe.start(0);
        sliced.applyDelta(first);
        QVERIFY(sliced.isApplying()); // 400 inserts under the tester take more than 1 ms
        QVERIFY(sliced.instanceCount() > 0);
        QVERIFY(sliced.instanceCount() < 400);
        const QPersistentModelIndex early = sliced.index(0, 0);
        QVERIFY(early.isValid());
        sliced.applyDelta(second); // queued behind the first
        QTRY_VERIFY_WITH_TIMEOUT(!sliced.isApplying(), 60000);
        QVERIFY2(passes > 2, "the deltas were applied in one event-loop pass");
        QCOMPARE(applied.count(), 1);
        QCOMPARE(resets.count(), 0);
        QVERIFY(early.isValid());
        QCOMPARE(early.data().toString(), QStringLiteral("host000"));

        ProcessTreeModel whole;
        whole.setClock([&now] { return now; });
        whole.setSliceBudgetMs(0);
        whole.applyDelta(first);
        QVERIFY(!whole.isApplying());
        whole.applyDelta(second);
        QCOMPARE(sliced.instanceCount(), whole.instanceCount());
        QCOMPARE(dump(sliced), dump(whole));
        QCOMPARE(sliced.instanceCount(), 400 - 7);
        QVERIFY(sliced.indexOfMember("host003:app2:8").data(ProcessTreeModel::SilentRole).toBool());
        QCOMPARE(sliced.indexOfMember("host003:app3:12").parent().parent().data().toString(),
                 QStringLiteral("tool"));
    }

    // A sliced refresh wave signals instance rows slice by slice, and the group rows above
    // them (aggregates: app, layer, host) only once the queue is empty: signalled per
    // slice, every slice repainted the visible host rows and re-signalled the same ~1000
    // layers and hosts through proxy and tree (bench_procs). Fails when groups are
    // flushed with every slice.
    void groupRowsAreSignalledOnceTheQueueIsEmpty()
    {
        qint64 now = 1'700'000'000'000;
        const auto fleet = [&now](double cpu) {
            IndexDelta d;
            for (int h = 0; h < 20; ++h)
                for (int a = 0; a < 5; ++a)
                    for (int i = 0; i < 4; ++i)
                        d.upserts.append(
                            proc(QStringLiteral("host%1").arg(h, 3, 10, QLatin1Char('0')),
                                 QStringLiteral("llm"), QStringLiteral("app%1").arg(a), a * 4 + i,
                                 now, ProcessStatus::Online, cpu));
            return d;
        };
        ProcessTreeModel model;
        model.setClock([&now] { return now; });
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSliceBudgetMs(0);
        model.applyDelta(fleet(1.0));
        model.setSliceBudgetMs(1);

        int instanceSignals = 0, groupSignals = 0, groupSignalsMidway = 0;
        bool hostsSignalled = false;
        connect(&model, &QAbstractItemModel::dataChanged, this,
                [&](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                    const bool instance = topLeft.data(ProcessTreeModel::KindRole).toInt()
                        == ProcessTreeModel::InstanceNode;
                    instanceSignals += instance ? 1 : 0;
                    groupSignals += instance ? 0 : 1;
                    groupSignalsMidway += !instance && model.isApplying() ? 1 : 0;
                    hostsSignalled = hostsSignalled
                        || (!topLeft.parent().isValid() && topLeft.row() == 0
                            && bottomRight.row() == 19);
                });
        QSignalSpy applied(&model, &ProcessTreeModel::applied);
        now += 2000;
        model.applyDelta(fleet(7.0)); // 400 changed rows: more than one slice (256 at most)
        QVERIFY(model.isApplying());
        QVERIFY(instanceSignals > 0);
        QCOMPARE(groupSignals, 0);
        QTRY_VERIFY_WITH_TIMEOUT(!model.isApplying(), 20000);
        QCOMPARE(applied.count(), 1);
        QCOMPARE(groupSignalsMidway, 0);
        QVERIFY(groupSignals >= 20 + 1); // every host's layer, and the host rows
        QVERIFY(hostsSignalled);
        QCOMPARE(model.index(0, ProcessTreeModel::Cpu).data().toString(),
                 QStringLiteral("140.0 %")); // 20 instances x 7.0
    }

    // applyPendingNow() applies the rest at once and disarms the next slice: the armed
    // zero timer used to run a slice later with nothing queued and say applied() again.
    void applyPendingNowLeavesNoSliceArmed()
    {
        qint64 now = 1'700'000'000'000;
        ProcessTreeModel model;
        model.setClock([&now] { return now; });
        model.setSliceBudgetMs(1);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy applied(&model, &ProcessTreeModel::applied);
        model.applyDelta(fleet(now, 20, 2.0)); // 400 rows: more than one slice (256 at most)
        model.applyDelta(fleet(now, 20, 3.0));
        QVERIFY(model.isApplying());
        model.applyPendingNow();
        QVERIFY(!model.isApplying());
        QCOMPARE(applied.count(), 1);
        QTest::qWait(50);
        QCOMPARE(applied.count(), 1);
        QCOMPARE(model.index(0, ProcessTreeModel::Cpu).data().toString(),
                 QStringLiteral("60.0 %")); // the newer delta: 20 instances x 3.0
    }

    // When applying falls behind the polls, a newer delta prunes the queued ones: a newer
    // upsert of a member replaces an older queued upsert, a newer touch an older touch.
    // 30 polls of a fleet queued behind a big first load keep the queue about one fleet
    // long, and the result is the newest fields. Fails when every delta is queued whole.
    void queuedDeltasAreCoalesced()
    {
        qint64 now = 1'700'000'000'000;
        ProcessTreeModel model;
        model.setClock([&now] { return now; });
        model.setSliceBudgetMs(1);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.applyDelta(fleet(now, 100, 1.0)); // 2000 rows: the first slice applies a part
        QVERIFY(model.isApplying());
        const qsizetype firstLeft = model.queuedEntries();
        QVERIFY(firstLeft > 0 && firstLeft < 2000);
        for (int poll = 0; poll < 30; ++poll) {
            now += 2000;
            IndexDelta d;
            const IndexDelta all = fleet(now, 100, 1.0);
            for (const IndexRecord &r : all.upserts)
                d.touched.append({r.member, now, {}});
            // The first 50 members (host000, host001, ...) are re-read with new fields.
            d.upserts = fleet(now, 3, 2.0 + poll).upserts.mid(0, 50);
            model.applyDelta(d);
            // The front (in progress) and the newest: older polls were pruned away.
            QVERIFY2(model.queuedEntries() <= firstLeft + 2000 + 50,
                     qPrintable(QString::number(model.queuedEntries())));
        }
        model.applyPendingNow();
        QCOMPARE(model.instanceCount(), 2000);
        QCOMPARE(model.queuedEntries(), 0);
        const QModelIndex first = model.indexOfMember("host000:app0:0");
        QCOMPARE(model.index(first.row(), ProcessTreeModel::Cpu, first.parent()).data().toString(),
                 QStringLiteral("31.0 %")); // the newest poll's fields
        QCOMPARE(first.data(ProcessTreeModel::SortRole).toLongLong(), 0);
    }

    // A first load inserts each new host with its layers, apps and instances in one
    // beginInsertRows per slice (all new hosts of the slice are appended together): one
    // signal for 20 hosts x 20 instances instead of ~480 single-row inserts through proxy
    // and tree. Fails when rows are inserted one by one.
    void newHostsAreInsertedWithTheirSubtreeAtOnce()
    {
        qint64 now = 1'700'000'000'000;
        ProcessTreeModel model;
        model.setClock([&now] { return now; });
        model.setSliceBudgetMs(0);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.applyDelta(fleet(now, 20, 1.0));
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(model.rowCount(), 20);
        QCOMPARE(model.instanceCount(), 400);
        const QModelIndex host = model.index(3, 0);
        QCOMPARE(host.data().toString(), QStringLiteral("host003"));
        QCOMPARE(model.rowCount(host), 1); // one layer
        QCOMPARE(model.rowCount(model.index(0, 0, host)), 5); // five apps
        // A later instance under a known host is a single-row insert, as before.
        IndexDelta more;
        more.upserts.append(proc(QStringLiteral("host003"), QStringLiteral("llm"),
                                 QStringLiteral("app0"), 99, now));
        model.applyDelta(more);
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(model.instanceCount(), 401);
    }

private:
    // hosts x 5 apps x 4 instances, layer "llm", every instance at `cpu`.
    static IndexDelta fleet(qint64 now, int hosts, double cpu)
    {
        IndexDelta d;
        for (int h = 0; h < hosts; ++h)
            for (int a = 0; a < 5; ++a)
                for (int i = 0; i < 4; ++i)
                    d.upserts.append(proc(QStringLiteral("host%1").arg(h, 3, 10, QLatin1Char('0')),
                                          QStringLiteral("llm"), QStringLiteral("app%1").arg(a),
                                          a * 4 + i, now, ProcessStatus::Online, cpu));
        return d;
    }

    static QStringList dump(const QAbstractItemModel &m, const QModelIndex &parent = {})
    {
        QStringList out;
        for (int r = 0; r < m.rowCount(parent); ++r) {
            QString line;
            for (int c = 0; c < m.columnCount(parent); ++c)
                line += m.index(r, c, parent).data().toString() + QLatin1Char('|');
            out.append(line);
            out += dump(m, m.index(r, 0, parent));
        }
        return out;
    }
};

QTEST_GUILESS_MAIN(TestProcessTreeModel)
#include "tst_processtreemodel.moc"
