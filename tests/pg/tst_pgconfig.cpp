// PgConfig turns what an operator types (keyword/value, URI, service name) into a libpq
// connection string without losing TLS settings, and always names the console.
#include "core/pg/PgConfig.h"

#include <QtTest>

using namespace switchboard;

namespace {
// What normalize() adds so that a vanished peer is noticed (see PgConfig.cpp).
QString liveness()
{
    return QStringLiteral(" keepalives='1' keepalives_idle='10' keepalives_interval='5' "
                          "keepalives_count='3' tcp_user_timeout='30000'");
}
} // namespace

class TestPgConfig : public QObject
{
    Q_OBJECT

private slots:
    void keywordValueGetsApplicationNameAndTimeout()
    {
        QString error;
        const std::string s
            = PgConfig::normalize(QStringLiteral("host=db.internal port=6432 dbname=ops "
                                                 "sslmode=verify-full sslrootcert=/etc/ca.pem"),
                                  7, &error);
        QVERIFY(error.isEmpty());
        // libpq's own keyword order; values quoted so spaces and quotes survive.
        QCOMPARE(QString::fromStdString(s),
                 QStringLiteral(
                     "dbname='ops' host='db.internal' port='6432' sslmode='verify-full' "
                     "sslrootcert='/etc/ca.pem' application_name='switchboard' connect_timeout='7'"
                     "%1")
                     .arg(liveness()));
    }

    void explicitSettingsWin()
    {
        const std::string s = PgConfig::normalize(
            QStringLiteral("host=h application_name=oncall-laptop connect_timeout=2"), 7, nullptr);
        QCOMPARE(QString::fromStdString(s),
                 QStringLiteral("connect_timeout='2' host='h' application_name='oncall-laptop'%1")
                     .arg(liveness()));
    }

    void uriIsParsedAndQuoted()
    {
        const std::string s = PgConfig::normalize(
            QStringLiteral("postgresql://ops:p%27w%5Cd@10.0.0.5:5433/agent?sslmode=require"), 0,
            nullptr);
        QCOMPARE(QString::fromStdString(s),
                 QStringLiteral(
                     "user='ops' password='p\\'w\\\\d' dbname='agent' host='10.0.0.5' port='5433' "
                     "sslmode='require' application_name='switchboard'%1")
                     .arg(liveness()));
    }

    void serviceNamePassesThrough()
    {
        const std::string s
            = PgConfig::normalize(QStringLiteral("service=switchboard-prod"), 5, nullptr);
        QCOMPARE(
            QString::fromStdString(s),
            QStringLiteral(
                "service='switchboard-prod' application_name='switchboard' connect_timeout='5'"));
        QCOMPARE(PgConfig(QStringLiteral("service=switchboard-prod")).describe(PgTarget::Primary),
                 QStringLiteral("service switchboard-prod"));
    }

    void garbageIsAnError()
    {
        QString error;
        const std::string s = PgConfig::normalize(QStringLiteral("host=h nonsense"), 5, &error);
        QVERIFY(s.empty());
        QVERIFY2(error.startsWith(QStringLiteral("cannot parse the Postgres connection string")),
                 qPrintable(error));
    }

    void replicaOnlyForReplicaTargets()
    {
        PgConfig config(QStringLiteral("host=primary dbname=a"),
                        QStringLiteral("host=replica dbname=a"));
        QCOMPARE(config.describe(PgTarget::Primary), QStringLiteral("primary:5432/a"));
        QCOMPARE(config.describe(PgTarget::Replica), QStringLiteral("replica:5432/a"));
        config.replicaDsn.clear();
        QCOMPARE(config.describe(PgTarget::Replica), QStringLiteral("primary:5432/a"));
    }
};

QTEST_GUILESS_MAIN(TestPgConfig)
#include "tst_pgconfig.moc"
