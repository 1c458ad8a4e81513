// PgListener against a real PostgreSQL: a NOTIFY reaches the GUI thread, and after the
// server kills the listening session it reconnects and LISTENs again by itself.
#include "core/pg/PgListener.h"
#include "support/PostgresServer.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

using namespace switchboard;
using namespace switchboard::test;

class TestPgListener : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
        QVERIFY2(m_pg.createDatabase(QStringLiteral("events"), false), qPrintable(m_pg.error()));
    }

    void notificationArrivesOnGuiThreadAndSurvivesReconnect()
    {
        PgListener listener(PgConfig(m_pg.dsn(QStringLiteral("events"))),
                            {QStringLiteral("sb_events"), QStringLiteral("sb_control")});
        QList<std::pair<QString, QString>> received;
        bool allOnGuiThread = true;
        connect(&listener, &PgListener::notification, this,
                [&](const QString &channel, const QString &payload) {
                    allOnGuiThread
                        &= QThread::currentThread() == QCoreApplication::instance()->thread();
                    received.append({channel, payload});
                });
        QSignalSpy states(&listener, &PgListener::stateChanged);
        listener.start();
        QTRY_COMPARE_WITH_TIMEOUT(listener.state().kind, PgConnectionState::Ready, 10000);

        notify(QStringLiteral("sb_events"), QStringLiteral("{\"kind\":\"hello\"}"));
        notify(QStringLiteral("sb_control"), QStringLiteral("stop"));
        notify(QStringLiteral("not_ours"), QStringLiteral("ignored"));
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), 2, 5000);
        QCOMPARE(
            received.at(0),
            std::make_pair(QStringLiteral("sb_events"), QStringLiteral("{\"kind\":\"hello\"}")));
        QCOMPARE(received.at(1),
                 std::make_pair(QStringLiteral("sb_control"), QStringLiteral("stop")));
        QVERIFY(allOnGuiThread);

        // The server (or a failover) kills the session: the listener must come back.
        const int oldPid = listener.backendPid();
        QVERIFY(oldPid > 0);
        bool ok = false;
        m_pg.psql(QStringLiteral("postgres"),
                  QStringLiteral("SELECT pg_terminate_backend(%1)").arg(oldPid), &ok);
        QVERIFY(ok);
        QTRY_VERIFY_WITH_TIMEOUT(listener.backendPid() > 0 && listener.backendPid() != oldPid,
                                 10000);
        QTRY_COMPARE_WITH_TIMEOUT(listener.state().kind, PgConnectionState::Ready, 10000);
        bool sawFailure = false;
        for (const auto &args : std::as_const(states))
            sawFailure |= args.at(0).value<PgConnectionState>().kind == PgConnectionState::Failed;
        QVERIFY(sawFailure);

        notify(QStringLiteral("sb_events"), QStringLiteral("after reconnect"));
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), 3, 5000);
        QCOMPARE(received.at(2).second, QStringLiteral("after reconnect"));

        QElapsedTimer timer;
        timer.start();
        listener.stop();
        qInfo("listener stop() took %lld ms", timer.elapsed());
        QVERIFY(timer.elapsed() < 1000);
    }

    void unreachableServerReportsFailure()
    {
        PgListener listener(PgConfig(QStringLiteral("host=127.0.0.1 port=1 dbname=x")),
                            {QStringLiteral("c")});
        listener.start();
        QTRY_COMPARE_WITH_TIMEOUT(listener.state().kind, PgConnectionState::Failed, 10000);
        QVERIFY2(listener.state().reason.contains(QStringLiteral("connection refused")),
                 qPrintable(listener.state().reason));
        QElapsedTimer timer;
        timer.start();
        listener.stop();
        QVERIFY(timer.elapsed() < 1000);
    }

private:
    void notify(const QString &channel, const QString &payload)
    {
        bool ok = false;
        m_pg.psql(
            QStringLiteral("events"),
            QStringLiteral("SELECT pg_notify('%1', '%2')")
                .arg(channel, QString(payload).replace(QLatin1Char('\''), QStringLiteral("''"))),
            &ok);
        QVERIFY(ok);
    }

    PostgresServer m_pg;
};

QTEST_GUILESS_MAIN(TestPgListener)
#include "tst_pglistener.moc"
