// Postgres over TLS with sslmode=verify-full against a server with ssl=on and a test CA:
// the right CA works, another CA and a wrong host name fail with clear words, and a
// plain connection to the TLS-only server is refused clearly.
#include "PgTestUtil.h"
#include "core/pg/PgPool.h"
#include "support/PostgresServer.h"
#include "support/TestCa.h"

#include <QtTest>

#include <pqxx/pqxx>

using namespace switchboard;
using namespace switchboard::test;

class TestPgTls : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(m_ca.isValid(), qPrintable(m_ca.error()));
        PostgresOptions options;
        options.tls = true;
        options.ca = &m_ca;
        m_pg = std::make_unique<PostgresServer>(options);
        QVERIFY2(m_pg->start(), qPrintable(m_pg->error()));
        QVERIFY2(m_pg->createDatabase(QStringLiteral("tls"), false), qPrintable(m_pg->error()));
    }

    void verifyFullWithTheRightCaSucceeds()
    {
        const PgResult<QString> r
            = run(QStringLiteral("host=localhost port=%1 user=postgres dbname=tls "
                                 "sslmode=verify-full sslrootcert=%2")
                      .arg(m_pg->port())
                      .arg(m_ca.caCert()));
        QVERIFY2(r.ok(), qPrintable(r.status.message));
        QCOMPARE(r.value, QStringLiteral("ssl=true"));
    }

    void anotherCaFailsClearly()
    {
        const PgResult<QString> r
            = run(QStringLiteral("host=localhost port=%1 user=postgres dbname=tls "
                                 "sslmode=verify-full sslrootcert=%2")
                      .arg(m_pg->port())
                      .arg(m_ca.otherCaCert()));
        qInfo("other CA: %s", qPrintable(r.status.message));
        QCOMPARE(r.status.code, PgStatus::ConnectionFailed);
        QVERIFY2(r.status.message.startsWith(
                     QStringLiteral("TLS failure talking to Postgres localhost:")),
                 qPrintable(r.status.message));
        QVERIFY2(r.status.message.contains(QStringLiteral("certificate verify failed")),
                 qPrintable(r.status.message));
        QVERIFY2(!r.status.message.contains(QStringLiteral("connection to server")),
                 qPrintable(r.status.message));
    }

    void wrongHostNameFailsClearly()
    {
        const PgResult<QString> r
            = run(QStringLiteral("hostaddr=127.0.0.1 host=wronghost port=%1 user=postgres "
                                 "dbname=tls sslmode=verify-full sslrootcert=%2")
                      .arg(m_pg->port())
                      .arg(m_ca.caCert()));
        qInfo("wrong host: %s", qPrintable(r.status.message));
        QCOMPARE(r.status.code, PgStatus::ConnectionFailed);
        QVERIFY2(r.status.message.contains(QStringLiteral("TLS failure")),
                 qPrintable(r.status.message));
        QVERIFY2(
            r.status.message.contains(QStringLiteral("does not match host name \"wronghost\"")),
            qPrintable(r.status.message));
    }

    void plainConnectionToTlsOnlyServerFailsClearly()
    {
        const PgResult<QString> r
            = run(QStringLiteral("host=127.0.0.1 port=%1 user=postgres dbname=tls sslmode=disable")
                      .arg(m_pg->port()));
        qInfo("plain: %s", qPrintable(r.status.message));
        QCOMPARE(r.status.code, PgStatus::ConnectionFailed);
        QVERIFY2(r.status.message.contains(QStringLiteral("no encryption")),
                 qPrintable(r.status.message));
        QVERIFY2(r.status.message.contains(QStringLiteral("refused a connection without TLS")),
                 qPrintable(r.status.message));
    }

private:
    PgResult<QString> run(const QString &dsn)
    {
        PgPool pool {PgConfig(dsn), 1};
        auto caught = std::make_shared<Caught<QString>>();
        pool.submit(
            PgJobSpec {}, this,
            [](pqxx::transaction_base &tx) {
                return QStringLiteral("ssl=%1").arg(QString::fromStdString(
                    tx.exec1("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")[0]
                                .as<std::string>()
                            == "t"
                        ? std::string("true")
                        : std::string("false")));
            },
            catcher(caught));
        [&] {
            QTRY_VERIFY_WITH_TIMEOUT(caught->called, 15000);
        }();
        return caught->result;
    }

    TestCa m_ca;
    std::unique_ptr<PostgresServer> m_pg;
};

QTEST_GUILESS_MAIN(TestPgTls)
#include "tst_pgtls.moc"
