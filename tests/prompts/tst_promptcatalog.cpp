// PromptCatalog's paging against a real Postgres: next pages asked one after another grow
// (first, ×growth, … up to max) and walk a long history into the models with every row
// exactly once, newest first; a first page is always the first size, a page asked from
// anywhere else starts again at it, and a refreshed first page does not end a run further
// down the list. Small pages (5, 20, 80) keep the walk short under the sanitizers; the
// console's sizes (500, 2 000, 8 000) are the bench's.
#include "core/pg/PgPool.h"
#include "core/services/PromptCatalog.h"
#include "models/PromptDeploymentModel.h"
#include "models/PromptVersionModel.h"
#include "support/PostgresServer.h"

#include <QAbstractItemModelTester>
#include <QTest>

#include <functional>
#include <memory>

using namespace switchboard;
using namespace switchboard::test;

namespace {

constexpr PromptCatalog::Paging kPaging {5, 4, 80};
// Enough rows for the pages to reach the cap twice and end on a partial page.
constexpr int kRows = 5 + 20 + 2 * 80 + 15;

// The page sizes a walk of `rows` rows is expected to take.
QList<int> expectedPages(int rows)
{
    QList<int> out;
    int size = kPaging.first;
    while (rows > 0) {
        out << qMin(size, rows);
        rows -= out.last();
        size = qMin(size * kPaging.growth, kPaging.max);
    }
    return out;
}

struct Page
{
    qint64 before = 0;
    QList<qint64> keys;
    bool more = false;
};

} // namespace

class TestPromptCatalog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void deploymentPagesGrowAndReachEveryRowOnce();
    void versionPagesGrowAndReachEveryRowOnce();
    void aPageFromElsewhereStartsAtTheFirstSize();
    void aRefreshedFirstPageKeepsTheRun();

private:
    // Asks for one page of deployments and waits for it.
    Page deployments(qint64 before);

    PostgresServer m_pg;
    std::unique_ptr<PgPool> m_pool;
    std::unique_ptr<PromptCatalog> m_catalog;
};

void TestPromptCatalog::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createDatabase(QStringLiteral("paging")), qPrintable(m_pg.error()));
    bool ok = false;
    m_pg.psql(QStringLiteral("paging"),
              QStringLiteral(
                  "INSERT INTO agentops.prompt_versions (agent, version, body, model, params, "
                  "created_by, note, eval_suite, eval_score, eval_passed) SELECT 'walk', g, "
                  "'You are walk, version ' || g, 'model-1', '{\"temperature\": 0.2}', 'author', "
                  "'v' || g, 'golden', 0.9, true FROM generate_series(1, %1) g;"
                  "INSERT INTO agentops.prompt_deployments (id, agent, version, deployed_at, "
                  "deployed_by, kind, previous_version, previous_deployment_id) SELECT g, 'walk', "
                  "g, now() - (%1 - g) * interval '1 minute', 'deployer', 'deploy', "
                  "NULLIF(g - 1, 0), NULLIF(g - 1, 0) FROM generate_series(1, %1) g;"
                  "SELECT setval('agentops.prompt_deployments_id_seq', %1);")
                  .arg(kRows),
              &ok);
    QVERIFY(ok);
}

void TestPromptCatalog::init()
{
    m_pool = std::make_unique<PgPool>(PgConfig(m_pg.dsn(QStringLiteral("paging"))), 2);
    m_catalog = std::make_unique<PromptCatalog>(m_pool.get());
    m_catalog->setPaging(kPaging);
}

void TestPromptCatalog::cleanup()
{
    m_catalog.reset();
    m_pool.reset();
}

Page TestPromptCatalog::deployments(qint64 before)
{
    Page page;
    bool done = false;
    const QMetaObject::Connection c = connect(
        m_catalog.get(), &PromptCatalog::deploymentsLoaded, this,
        [&](const QString &, qint64 b, const QVector<PromptDeploymentRow> &rows, bool more) {
            page.before = b;
            for (const PromptDeploymentRow &r : rows)
                page.keys << r.deployment.id;
            page.more = more;
            done = true;
        });
    m_catalog->loadDeployments(QStringLiteral("walk"), before);
    const bool loaded = QTest::qWaitFor([&] { return done; }, 60000);
    disconnect(c);
    if (!loaded)
        qWarning("no page of deployments before %lld", before);
    return page;
}

void TestPromptCatalog::deploymentPagesGrowAndReachEveryRowOnce()
{
    PromptDeploymentModel model;
    QAbstractItemModelTester tester(&model);
    QList<int> sizes;
    bool done = false;
    connect(
        m_catalog.get(), &PromptCatalog::deploymentsLoaded, &model,
        [&](const QString &, qint64 before, const QVector<PromptDeploymentRow> &rows, bool more) {
            QCOMPARE(before, sizes.isEmpty() ? 0 : model.lastId());
            sizes << int(rows.size());
            model.setPage(rows, more, before != 0);
            if (more)
                m_catalog->loadDeployments(QStringLiteral("walk"), model.lastId());
            else
                done = true;
        });
    m_catalog->loadDeployments(QStringLiteral("walk"));
    QVERIFY(QTest::qWaitFor([&] { return done; }, 60000));
    QCOMPARE(sizes, expectedPages(kRows));
    QVERIFY(sizes.count(kPaging.max) >= 2); // the cap holds
    QCOMPARE(model.rowCount(), kRows);
    for (int i = 0; i < kRows; ++i)
        QCOMPARE(model.rowAt(i).deployment.id, qint64(kRows - i)); // once each, newest first
    QVERIFY(model.rowAt(0).latest);
    QVERIFY(!model.canFetchMore({}));
}

void TestPromptCatalog::versionPagesGrowAndReachEveryRowOnce()
{
    PromptVersionModel model;
    QAbstractItemModelTester tester(&model);
    QList<int> sizes;
    bool done = false;
    connect(m_catalog.get(), &PromptCatalog::versionsLoaded, &model,
            [&](const QString &, qint64 before, const QVector<PromptVersionRow> &rows, bool more) {
                sizes << int(rows.size());
                model.setPage(rows, more, before != 0);
                if (more)
                    m_catalog->loadVersions(QStringLiteral("walk"),
                                            model.rows().last().version.version);
                else
                    done = true;
            });
    m_catalog->loadVersions(QStringLiteral("walk"));
    QVERIFY(QTest::qWaitFor([&] { return done; }, 60000));
    QCOMPARE(sizes, expectedPages(kRows));
    QCOMPARE(model.rowCount(), kRows);
    for (int i = 0; i < kRows; ++i) {
        const PromptVersionRow &r = model.rowAt(i);
        QCOMPARE(r.version.version, qint64(kRows - i));
        QVERIFY2(r.problem.isEmpty(), qPrintable(r.problem));
    }
}

void TestPromptCatalog::aPageFromElsewhereStartsAtTheFirstSize()
{
    const Page first = deployments(0);
    QCOMPARE(first.keys.size(), kPaging.first);
    const Page second = deployments(first.keys.last());
    QCOMPARE(second.keys.size(), kPaging.first * kPaging.growth);
    // Not where the last page ended (another view of the list, a jump): no growth.
    const Page elsewhere = deployments(second.keys.first());
    QCOMPARE(elsewhere.keys.size(), kPaging.first);
    QCOMPARE(elsewhere.keys.first(), second.keys.first() - 1);
    // A first page is always the first size, whatever came before.
    const Page again = deployments(0);
    QCOMPARE(again.keys.size(), kPaging.first);
    QCOMPARE(again.keys.first(), qint64(kRows));
    QVERIFY(again.more);
}

void TestPromptCatalog::aRefreshedFirstPageKeepsTheRun()
{
    const Page first = deployments(0);
    const Page second = deployments(first.keys.last());
    QCOMPARE(second.keys.size(), kPaging.first * kPaging.growth);
    // The view refreshes its first page while the operator is further down.
    const Page refreshed = deployments(0);
    QCOMPARE(refreshed.keys, first.keys);
    const Page third = deployments(second.keys.last());
    QCOMPARE(third.keys.size(), qMin(kPaging.first * kPaging.growth * kPaging.growth, kPaging.max));
    QCOMPARE(third.keys.first(), second.keys.last() - 1);
}

QTEST_MAIN(TestPromptCatalog)
#include "tst_promptcatalog.moc"
