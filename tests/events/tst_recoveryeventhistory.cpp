// History mode against a real PostgreSQL: keyset pages newest first over a range with
// many events sharing one timestamp (the id breaks ties, nothing is skipped or repeated),
// server-side filters, per-bucket rates and the deployment markers.
#include "core/pg/PgPool.h"
#include "core/services/RecoveryEventHistory.h"
#include "models/RecoveryEventTableModel.h"
#include "support/PostgresServer.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include <set>

using namespace switchboard;
using namespace switchboard::test;

namespace {
const qint64 kBase = 1'790'000'040'000; // ms, a whole minute
}

class TestRecoveryEventHistory : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.error()));
        QVERIFY2(m_server.createDatabase(QStringLiteral("hist")), qPrintable(m_server.error()));
        bool ok = false;
        // 1200 events, 4 per distinct millisecond (ties), 10 per second; every 3rd failed,
        // every 4th rate_limited.
        m_server.psql(
            QStringLiteral("hist"),
            QStringLiteral(
                "INSERT INTO agentops.recovery_events (at, session_id, agent, kind, recoverable, "
                "strategy, outcome, attempt, message) SELECT to_timestamp((%1 + (g / 4) * 400) / "
                "1000.0), 's-' || (g % 5), CASE WHEN g % 2 = 0 THEN 'triage' ELSE 'billing' "
                "END, CASE WHEN g % 4 = 0 THEN 'rate_limited' ELSE 'tool_error' END, true, "
                "'retry', CASE WHEN g % 3 = 0 THEN 'failed' ELSE 'recovered' END, 1, 'g=' || g "
                "FROM generate_series(0, 1199) g")
                .arg(kBase),
            &ok);
        QVERIFY(ok);
        m_server.psql(QStringLiteral("hist"),
                      QStringLiteral("INSERT INTO agentops.prompt_versions (agent, version, body, "
                                     "model, created_by) VALUES ('triage', 7, 'b', 'm', 'me')"),
                      &ok);
        QVERIFY(ok);
        m_server.psql(QStringLiteral("hist"),
                      QStringLiteral("INSERT INTO agentops.prompt_deployments (agent, version, "
                                     "deployed_at, deployed_by, kind) VALUES ('triage', 7, "
                                     "to_timestamp(%1 / 1000.0), 'me', 'deploy')")
                          .arg(kBase + 60000),
                      &ok);
        QVERIFY(ok);
    }

    void pagesByKeysetWithoutSkipsOrRepeats()
    {
        PgPool pool(PgConfig(m_server.dsn(QStringLiteral("hist"))));
        RecoveryEventTableModel model(100000);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        RecoveryEventHistory history(&model);
        history.setPool(&pool);
        history.setPageSize(500);
        QSignalSpy pages(&history, &RecoveryEventHistory::pageLoaded);
        QSignalSpy rates(&history, &RecoveryEventHistory::ratesLoaded);
        QSignalSpy deployments(&history, &RecoveryEventHistory::deploymentsLoaded);
        QSignalSpy failures(&history, &RecoveryEventHistory::failed);
        EventHistoryFilter filter;
        filter.fromMs = kBase;
        filter.toMs = kBase + 3'600'000;
        history.load(filter);
        QTRY_COMPARE_WITH_TIMEOUT(pages.count(), 1, 20000);
        QCOMPARE(model.rowCount(), 500);
        QVERIFY(history.hasMore());
        history.loadOlder();
        QTRY_COMPARE_WITH_TIMEOUT(pages.count(), 2, 20000);
        history.loadOlder();
        QTRY_COMPARE_WITH_TIMEOUT(pages.count(), 3, 20000);
        QCOMPARE(model.rowCount(), 1200);
        QCOMPARE(pages.at(2).at(0).toInt(), 200);
        QVERIFY(!history.hasMore());
        QCOMPARE(failures.count(), 0);

        std::set<QString> seen;
        qint64 previousAt = std::numeric_limits<qint64>::max();
        for (int r = 0; r < model.rowCount(); ++r) {
            const RecoveryEventRow &row = model.rowAt(r);
            QCOMPARE(int(row.type), int(RecoveryEventRow::Type::Event));
            QVERIFY(row.event.at <= previousAt); // newest first
            previousAt = row.event.at;
            QVERIFY2(seen.insert(row.event.message).second, qPrintable(row.event.message));
        }
        QCOMPARE(model.rowAt(0).event.message, QStringLiteral("g=1199")); // ties: id desc
        QCOMPARE(model.rowAt(0).event.at, kBase + (1199 / 4) * 400);

        QTRY_COMPARE(rates.count(), 1);
        const auto buckets
            = rates.at(0).at(0).value<QMap<qint64, RecoveryEventRateBuckets::Counts>>();
        QCOMPARE(rates.at(0).at(1).toLongLong(), qint64(60000));
        qint64 total = 0, limited = 0;
        for (const auto &counts : buckets) {
            for (qint64 c : counts)
                total += c;
            limited += counts[size_t(RecoveryKind::RateLimited)];
        }
        QCOMPARE(total, qint64(1200));
        QCOMPARE(limited, qint64(300));
        QCOMPARE(buckets.firstKey(), kBase);

        QTRY_COMPARE(deployments.count(), 1);
        const auto markers = deployments.at(0).at(0).value<QVector<DeploymentMarker>>();
        QCOMPARE(markers.size(), 1);
        QCOMPARE(markers.at(0).agent, QStringLiteral("triage"));
        QCOMPARE(markers.at(0).version, qint64(7));
        QCOMPARE(markers.at(0).atMs, kBase + 60000);
    }

    void filtersRunOnTheServer()
    {
        PgPool pool(PgConfig(m_server.dsn(QStringLiteral("hist"))));
        RecoveryEventTableModel model(100000);
        RecoveryEventHistory history(&model);
        history.setPool(&pool);
        history.setPageSize(1000);
        QSignalSpy pages(&history, &RecoveryEventHistory::pageLoaded);
        EventHistoryFilter filter;
        filter.fromMs = kBase;
        filter.toMs = kBase + 3'600'000;
        filter.kind = QStringLiteral("rate_limited");
        filter.outcome = QStringLiteral("failed");
        history.load(filter);
        QTRY_COMPARE_WITH_TIMEOUT(pages.count(), 1, 20000);
        QCOMPARE(model.rowCount(), 100); // g % 12 == 0
        QVERIFY(!history.hasMore());
        filter.kind.clear();
        filter.outcome.clear();
        filter.session = QStringLiteral("s-3");
        filter.toMs = kBase + 10'000; // the first 10 s: g 0..99
        history.load(filter);
        QTRY_COMPARE_WITH_TIMEOUT(pages.count(), 2, 20000);
        QCOMPARE(model.rowCount(), 20);
    }

private:
    PostgresServer m_server;
};

QTEST_GUILESS_MAIN(TestRecoveryEventHistory)
#include "tst_recoveryeventhistory.moc"
