// The console wired to real servers: statuses reach the window, and an authentication
// failure with no known password asks the operator once and then connects.
#include "app/AppOptions.h"
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
    void passwordsOnTheCommandLineAreRefused_data();
    void passwordsOnTheCommandLineAreRefused();

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

void TestConsoleController::passwordsOnTheCommandLineAreRefused_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected"); // empty: accepted
    const auto row = [](const char *name, QStringList args, const QString &expected) {
        QTest::newRow(name) << args << expected;
    };
    row("redis user:pass", {QStringLiteral("--redis"), QStringLiteral("redis://u:hunter2@h:1")},
        QStringLiteral("--redis contains a password"));
    row("redis :pass", {QStringLiteral("--redis"), QStringLiteral("rediss://:hunter2@h")},
        QStringLiteral("--redis contains a password"));
    row("redis user only", {QStringLiteral("--redis"), QStringLiteral("rediss://oncall@h:6380/0")},
        QString());
    row("pg keyword", {QStringLiteral("--pg"), QStringLiteral("host=db password=hunter2")},
        QStringLiteral("--pg contains a password"));
    row("pg keyword quoted", {QStringLiteral("--pg"), QStringLiteral("host=db password = 'a b'")},
        QStringLiteral("--pg contains a password"));
    row("pg uri user-info", {QStringLiteral("--pg"), QStringLiteral("postgresql://u:hunter2@db/x")},
        QStringLiteral("--pg contains a password"));
    row("pg uri query",
        {QStringLiteral("--pg"), QStringLiteral("postgres://u@db/x?password=hunter2")},
        QStringLiteral("--pg contains a password"));
    row("pg sslpassword",
        {QStringLiteral("--pg"), QStringLiteral("host=db sslkey=/k sslpassword=hunter2")},
        QStringLiteral("--pg contains a sslpassword"));
    row("replica uri query",
        {QStringLiteral("--pg"), QStringLiteral("host=db"), QStringLiteral("--pg-replica"),
         QStringLiteral("postgresql:///x?host=r&sslpassword=hunter2")},
        QStringLiteral("--pg-replica contains a sslpassword"));
    row("rollback too",
        {QStringLiteral("rollback"), QStringLiteral("--pg"), QStringLiteral("password=x host=db"),
         QStringLiteral("--agent"), QStringLiteral("a"), QStringLiteral("--to"),
         QStringLiteral("1"), QStringLiteral("--reason"), QStringLiteral("r")},
        QStringLiteral("--pg contains a password"));
    row("pg service",
        {QStringLiteral("--pg"), QStringLiteral("service=agentops sslmode=verify-full")},
        QString());
}

void TestConsoleController::passwordsOnTheCommandLineAreRefused()
{
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    QString help;
    const AppOptions o
        = parseCommandLine(QStringList {QStringLiteral("switchboard")} + args, &help);
    if (expected.isEmpty()) {
        QVERIFY2(o.mode != AppOptions::Mode::Error, qPrintable(o.error));
        return;
    }
    QCOMPARE(o.mode, AppOptions::Mode::Error);
    QVERIFY2(o.error.startsWith(expected), qPrintable(o.error));
    QVERIFY2(!o.error.contains(QStringLiteral("hunter2")), qPrintable(o.error));
    QVERIFY2(o.error.contains(QStringLiteral("PGPASSWORD"))
                 || o.error.contains(QStringLiteral("SWITCHBOARD_REDIS_PASSWORD")),
             qPrintable(o.error));
}

QTEST_MAIN(TestConsoleController)
#include "tst_consolecontroller.moc"
