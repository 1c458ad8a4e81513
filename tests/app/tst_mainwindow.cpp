// The window shell: five views, honest empty states, status-bar connection states,
// keyboard shortcuts, and the offscreen screenshots the demo relies on.
#include "app/MainWindow.h"
#include "app/ScreenshotWriter.h"
#include "widgets/ConnectionIndicator.h"
#include "widgets/EmptyStateView.h"

#include <QImage>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace switchboard;

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QCoreApplication::setOrganizationName(QStringLiteral("sb-test")); }
    void fiveViewsWithReasons();
    void statusBarFollowsBackends();
    void shortcutsSwitchViews();
    void screenshots();
};

void TestMainWindow::fiveViewsWithReasons()
{
    MainWindow w(QStringLiteral("demo"));
    QCOMPARE(w.tabs()->count(), int(MainWindow::ViewCount));
    QCOMPARE(w.windowTitle(), QStringLiteral("Switchboard — demo"));
    for (int i = 0; i < MainWindow::ViewCount; ++i) {
        EmptyStateView *empty = w.emptyState(MainWindow::View(i));
        QVERIFY(empty);
        QVERIFY2(empty->reason().contains(QStringLiteral("not configured")),
                 qPrintable(empty->reason()));
        // Every view is part of the build: no placeholder text from before it was.
        QVERIFY2(!empty->reason().contains(QStringLiteral("not part of this build")),
                 qPrintable(empty->reason()));
    }
}

void TestMainWindow::statusBarFollowsBackends()
{
    MainWindow w {QString()};
    BackendStatus redis;
    redis.backend = QStringLiteral("Redis");
    redis.state = BackendStatus::State::Reconnecting;
    redis.summary = QStringLiteral("reconnecting in 4 s");
    redis.detail = QStringLiteral("127.0.0.1:6379: connection refused");
    w.setRedisStatus(redis);
    QCOMPARE(w.redisIndicator()->text(), QStringLiteral("Redis: reconnecting in 4 s"));
    QVERIFY(w.redisIndicator()->toolTip().contains(QStringLiteral("connection refused")));
    const QString processes = w.emptyState(MainWindow::Processes)->reason();
    QVERIFY2(processes.contains(QStringLiteral("Redis: reconnecting in 4 s")),
             qPrintable(processes));
    // Prompts need only Postgres: the Redis state is not its reason.
    QVERIFY(!w.emptyState(MainWindow::Prompts)->reason().contains(QStringLiteral("reconnecting")));

    BackendStatus pg;
    pg.backend = QStringLiteral("Postgres");
    pg.state = BackendStatus::State::Degraded;
    pg.summary = QStringLiteral("schema is version 0, this build needs 1");
    w.setPostgresStatus(pg);
    QVERIFY(
        w.emptyState(MainWindow::Traces)->reason().contains(QStringLiteral("schema is version 0")));
    QCOMPARE(w.postgresIndicator()->text(),
             QStringLiteral("Postgres: schema is version 0, this build needs 1"));
}

void TestMainWindow::shortcutsSwitchViews()
{
    MainWindow w {QString()};
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTest::keyClick(&w, Qt::Key_4, Qt::ControlModifier);
    QCOMPARE(w.currentView(), MainWindow::Prompts);
    QTest::keyClick(&w, Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(w.currentView(), MainWindow::Processes);
}

void TestMainWindow::screenshots()
{
    MainWindow w {QString()};
    w.resize(1024, 700);
    w.show();
    QTemporaryDir dir;
    QString error;
    const QStringList files = writeScreenshots(w, dir.path(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(files.size(), int(MainWindow::ViewCount));
    for (const QString &file : files) {
        const QImage image(file);
        QVERIFY2(!image.isNull(), qPrintable(file));
        QVERIFY(image.width() >= 1024);
    }
    QVERIFY(files.first().endsWith(QStringLiteral("processes.png")));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
