// The console wired to real servers: statuses reach the window, and an authentication
// failure with no known password asks the operator once and then connects.
#include "app/ConsoleController.h"
#include "app/MainWindow.h"
#include "core/services/RedisBackend.h"
#include "support/PostgresServer.h"
#include "support/RedisServer.h"
#include "widgets/ConnectionIndicator.h"

#include <QApplication>
#include <QInputDialog>
#include <QTest>

using namespace switchboard;
using namespace switchboard::test;

class TestConsoleController : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void statusesReachTheWindow();
    void asksForRedisPasswordOnce();

private:
    RedisServer m_redis {
        RedisOptions {false, nullptr, false, QStringLiteral("pw-1"), {}, {}, 0, {}}};
    PostgresServer m_pg;
};

void TestConsoleController::initTestCase()
{
    qunsetenv("SWITCHBOARD_REDIS_PASSWORD");
    QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createDatabase(QStringLiteral("agentops"), true), qPrintable(m_pg.error()));
}

void TestConsoleController::statusesReachTheWindow()
{
    AppOptions options;
    options.redisUri = QStringLiteral("redis://:pw-1@127.0.0.1:%1/0").arg(m_redis.port());
    options.pgDsn = m_pg.dsn(QStringLiteral("agentops"));
    QString error;
    const ConnectionProfile profile = ConsoleController::profileFor(options, &error);
    QVERIFY(error.isEmpty());
    MainWindow window {QString()};
    ConsoleController controller(profile, window);
    window.show();
    controller.start();
    QTRY_VERIFY_WITH_TIMEOUT(window.redisIndicator()->status().state == BackendStatus::State::Ready,
                             10000);
    QTRY_VERIFY_WITH_TIMEOUT(
        window.postgresIndicator()->status().state == BackendStatus::State::Ready, 15000);
    QVERIFY2(window.postgresIndicator()->text().contains(QStringLiteral("schema v")),
             qPrintable(window.postgresIndicator()->text()));
}

void TestConsoleController::asksForRedisPasswordOnce()
{
    AppOptions options;
    options.redisUri = QStringLiteral("redis://127.0.0.1:%1/0").arg(m_redis.port());
    QString error;
    const ConnectionProfile profile = ConsoleController::profileFor(options, &error);
    MainWindow window {QString()};
    ConsoleController controller(profile, window);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    controller.start();
    QInputDialog *dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((dialog = window.findChild<QInputDialog *>()) != nullptr, 10000);
    QCOMPARE(window.redisIndicator()->status().state, BackendStatus::State::Failed);
    QVERIFY2(dialog->labelText().contains(QStringLiteral("NOAUTH"))
                 || dialog->labelText().contains(QStringLiteral("WRONGPASS")),
             qPrintable(dialog->labelText()));
    dialog->setTextValue(QStringLiteral("pw-1"));
    dialog->accept();
    QTRY_VERIFY_WITH_TIMEOUT(window.redisIndicator()->status().state == BackendStatus::State::Ready,
                             10000);
    QVERIFY(controller.redis() != nullptr);
}

QTEST_MAIN(TestConsoleController)
#include "tst_consolecontroller.moc"
