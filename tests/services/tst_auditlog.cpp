// The audit log as the console reads it (core/services/AuditLog into models/AuditLogModel),
// against real Postgres with the rows written the only way production writes them: the
// audit functions called by an operator's login (request_action, record_action_outcome,
// record_export), read back by a viewer's login.
// - Newest first, keyset pages: 260 actions in pages of 100 come back once each, in
//   (at, id) order, the last page saying there is no more.
// - Each request with its latest outcome: answered, unanswered, answered twice (a late
//   final report is another outcome row), a one-row action (export); the operator as the
//   server recorded it (db_role), next to the display name the console gave.
// - Filters: operator (display name or database role), action, target prefix, outcome
//   (the latest one), time range; agent-written markup comes back as the same plain text.
#include "core/pg/PgPool.h"
#include "core/services/AuditLog.h"
#include "models/AuditLogModel.h"
#include "support/PostgresServer.h"

#include <QAbstractItemModelTester>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <pqxx/pqxx>

using namespace switchboard;
using namespace switchboard::test;

class TestAuditLog : public QObject
{
    Q_OBJECT

    PostgresServer m_pg;
    std::unique_ptr<PgPool> m_viewer;
    qint64 m_unanswered = 0, m_twice = 0, m_export = 0, m_markup = 0;
    qint64 m_beforeLastMs = 0;

    std::string operatorDsn() const
    {
        return m_pg
            .loginDsn(QStringLiteral("ops_alice"), QStringLiteral("pw"), QStringLiteral("sb"))
            .toStdString();
    }
    static qint64 request(pqxx::work &tx, const std::string &host, const std::string &cmd,
                          const std::string &reason, const std::string &name = "alice")
    {
        return tx
            .exec_params1("SELECT id FROM agentops.request_action('reload', $1, 'reasoner', '0', "
                          "$2, $3, '{}'::jsonb, $4, 'laptop')",
                          host, cmd, reason, name)[0]
            .as<long long>();
    }
    static void outcome(pqxx::work &tx, qint64 id, const std::string &outcome,
                        const std::string &message)
    {
        tx.exec_params("SELECT agentops.record_action_outcome($1, $2, "
                       "jsonb_build_object('message', $3::text), 'laptop')",
                       id, outcome, message);
    }

    // Every page of the filter through the service, as the view would ask for them.
    std::vector<AuditEntry> loadAll(const AuditFilter &filter, int pageSize, int *pages = nullptr)
    {
        AuditLog log;
        log.setPool(m_viewer.get());
        log.setPageSize(pageSize);
        std::vector<AuditEntry> all;
        bool more = true;
        int n = 0;
        connect(&log, &AuditLog::pageLoaded, this,
                [&](const std::vector<AuditEntry> &entries, bool, bool m) {
                    all.insert(all.end(), entries.begin(), entries.end());
                    more = m;
                    ++n;
                });
        QSignalSpy failed(&log, &AuditLog::failed);
        log.load(filter);
        for (int expected = 1; more; ++expected) {
            if (!QTest::qWaitFor([&] { return n == expected || !failed.isEmpty(); }, 15000))
                break;
            if (!failed.isEmpty()) {
                qWarning("audit log failed: %s", qPrintable(failed.first().first().toString()));
                break;
            }
            if (more)
                log.loadOlder();
        }
        if (pages)
            *pages = n;
        return all;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
        QVERIFY2(m_pg.createDatabase(QStringLiteral("sb")), qPrintable(m_pg.error()));
        QVERIFY2(m_pg.createLogin(QStringLiteral("ops_alice"), QStringLiteral("pw"),
                                  {QStringLiteral("agentops_operator")}),
                 qPrintable(m_pg.error()));
        QVERIFY2(m_pg.createLogin(QStringLiteral("view_bob"), QStringLiteral("pw"),
                                  {QStringLiteral("agentops_viewer")}),
                 qPrintable(m_pg.error()));
        m_viewer = std::make_unique<PgPool>(PgConfig(
            m_pg.loginDsn(QStringLiteral("view_bob"), QStringLiteral("pw"), QStringLiteral("sb"))));

        pqxx::connection c(operatorDsn());
        {
            pqxx::work tx(c);
            for (int i = 0; i < 255; ++i) { // answered reloads on three hosts
                const qint64 id
                    = request(tx, "web-" + std::to_string(i % 3), "cmd-" + std::to_string(i),
                              "routine " + std::to_string(i));
                outcome(tx, id, "succeeded", "reloaded");
            }
            tx.commit();
        }
        QTest::qWait(20); // the rows below are newer than every row above
        m_beforeLastMs = QDateTime::currentMSecsSinceEpoch();
        QTest::qWait(20);
        pqxx::work tx(c);
        m_unanswered = request(tx, "web-9", "cmd-unanswered", "nobody answers");
        m_twice = request(tx, "web-9", "cmd-twice", "answered late");
        outcome(tx, m_twice, "failed", "no answer from the bridge after 60 s");
        outcome(tx, m_twice, "succeeded", "reloaded (late report)");
        m_markup = request(tx, "web-9", "cmd-markup", "<b>bold</b> & <img src=x>", "<i>eve</i>");
        outcome(tx, m_markup, "refused", "not authorized");
        m_export = tx.exec_params1("SELECT agentops.record_export('sess-42', 'post-mortem', "
                                   "'{\"spans\": 3}'::jsonb, 'alice', 'laptop')")[0]
                       .as<long long>();
        tx.commit();
    }

    void pagesNewestFirstOnceEach()
    {
        int pages = 0;
        const std::vector<AuditEntry> all = loadAll({}, 100, &pages);
        QCOMPARE(int(all.size()), 259); // 255 + 3 requests + 1 export; outcomes are not rows
        QCOMPARE(pages, 3);
        QSet<qint64> ids;
        for (size_t i = 0; i < all.size(); ++i) {
            QVERIFY2(all[i].request.isOk(), qPrintable(all[i].request.message()));
            ids.insert(all[i].id());
            if (i > 0) {
                const bool ordered = all[i - 1].atUs > all[i].atUs
                    || (all[i - 1].atUs == all[i].atUs && all[i - 1].id() > all[i].id());
                QVERIFY2(ordered, "not newest first");
            }
        }
        QCOMPARE(ids.size(), 259);
        QCOMPARE(all.front().id(), m_export);
    }

    void eachRequestWithItsLatestOutcome()
    {
        const std::vector<AuditEntry> recent
            = loadAll({QString(), QString(), QString(), QString(), m_beforeLastMs, 0}, 100);
        QCOMPARE(int(recent.size()), 4);
        QHash<qint64, AuditEntry> byId;
        for (const AuditEntry &e : recent)
            byId.insert(e.id(), e);
        const AuditEntry &none = byId.value(m_unanswered);
        QVERIFY(!none.latestOutcome);
        QCOMPARE(AuditLogModel::outcomeText(none), QStringLiteral("requested: no outcome yet"));
        const AuditEntry &twice = byId.value(m_twice);
        QVERIFY(twice.latestOutcome);
        QCOMPARE(twice.outcome(), OperatorOutcome::Succeeded);
        QCOMPARE(twice.outcomeRows, 2);
        QCOMPARE(AuditLogModel::outcomeText(twice), QStringLiteral("succeeded (2 outcome rows)"));
        const AuditEntry &exp = byId.value(m_export);
        QVERIFY(!exp.latestOutcome); // one row: its own outcome
        QCOMPARE(exp.outcome(), OperatorOutcome::Succeeded);
        QCOMPARE(exp.request.value().action, OperatorActionKind::Export);
        QCOMPARE(exp.request.value().target, QStringLiteral("session:sess-42"));
        // Who acted: the server's record (the operator's login), beside the display name.
        QCOMPARE(none.request.value().dbRole, QStringLiteral("ops_alice"));
        QCOMPARE(none.request.value().operatorName, QStringLiteral("alice"));
    }

    void filters()
    {
        const auto count = [this](AuditFilter f) {
            return int(loadAll(f, 500).size());
        };
        AuditFilter f;
        f.operatorName = QStringLiteral("ops_alice"); // the database role: every row
        QCOMPARE(count(f), 259);
        f.operatorName = QStringLiteral("<i>eve</i>"); // a display name
        QCOMPARE(count(f), 1);
        f = {};
        f.action = QStringLiteral("export");
        QCOMPARE(count(f), 1);
        f = {};
        f.targetPrefix = QStringLiteral("proc:web-1:");
        QCOMPARE(count(f), 85);
        f.targetPrefix = QStringLiteral("proc:web-9:");
        QCOMPARE(count(f), 3);
        f = {};
        f.outcome = QStringLiteral("requested"); // no answer yet
        QCOMPARE(count(f), 1);
        f.outcome = QStringLiteral("failed"); // the late answer replaced it
        QCOMPARE(count(f), 0);
        f.outcome = QStringLiteral("refused");
        QCOMPARE(count(f), 1);
        f = {};
        f.toMs = m_beforeLastMs;
        QCOMPARE(count(f), 255);
    }

    void modelShowsPlainTextAndPages()
    {
        AuditLog log;
        log.setPool(m_viewer.get());
        log.setPageSize(100);
        AuditLogModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        connect(&log, &AuditLog::pageLoaded, &model, &AuditLogModel::applyPage);
        connect(&model, &AuditLogModel::moreRequested, &log, &AuditLog::loadOlder);
        log.load({});
        // Pages as the view asks for them (the model tester asks too: fetchMore is its).
        QTRY_VERIFY_WITH_TIMEOUT(model.rowCount() >= 100, 15000);
        for (int i = 0; i < 3 && model.canFetchMore({}); ++i) {
            model.fetchMore({});
            QTest::qWait(200);
        }
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 259, 15000);
        QTRY_VERIFY(!model.canFetchMore({}));
        int markupRow = -1;
        for (int r = 0; r < model.rowCount(); ++r)
            if (model.index(r, 0).data(AuditLogModel::IdRole).toLongLong() == m_markup)
                markupRow = r;
        QVERIFY(markupRow >= 0);
        // The text as written, for a plain-text view: nothing interpreted or dropped.
        QCOMPARE(model.index(markupRow, AuditLogModel::Reason).data().toString(),
                 QStringLiteral("<b>bold</b> & <img src=x>"));
        QCOMPARE(model.index(markupRow, AuditLogModel::Operator).data().toString(),
                 QStringLiteral("<i>eve</i> (db: ops_alice)"));
        QCOMPARE(model.index(markupRow, AuditLogModel::Outcome).data().toString(),
                 QStringLiteral("refused"));
        QVERIFY(model.index(markupRow, AuditLogModel::Outcome)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("not authorized")));
        QCOMPARE(model.index(markupRow, 0).data(AuditLogModel::TargetRole).toString(),
                 QStringLiteral("proc:web-9:reasoner:0"));
        // A refresh of the first page merges: the rows past it stay.
        log.load({});
        QTest::qWait(500);
        QCOMPARE(model.rowCount(), 259);
    }
};

QTEST_GUILESS_MAIN(TestAuditLog)
#include "tst_auditlog.moc"
