// Connection profiles: validation, QSettings round trip, no secrets at rest.
#include "core/pg/PgConfig.h"
#include "core/services/ProfileStore.h"

#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <libpq-fe.h>

using namespace switchboard;

class TestProfiles : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip();
    void rejectsPasswords();
    void rejectsBadInput();
    void stripPassword();
    void dsnSecretsAsLibpqReadsThem();
    void noPasswordForAnEmptyDsn();
    void pgDsnWithPassword_data();
    void pgDsnWithPassword();
    void pgDsnWithPasswordLeavesBrokenDsnsAlone();
    void namesWithSlashes();
};

static ConnectionProfile sample()
{
    ConnectionProfile p;
    p.name = QStringLiteral("prod-eu");
    p.redisUri = QStringLiteral("rediss://oncall@redis.internal:6380/2");
    p.keyNamespace = QStringLiteral("agentops:");
    p.pgDsn = QStringLiteral("service=agentops-prod sslmode=verify-full");
    p.pgReplicaDsn = QStringLiteral("host=replica.internal dbname=agentops");
    p.operatorName = QStringLiteral("alice");
    return p;
}

void TestProfiles::roundTrip()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("s.ini"));
    {
        QSettings settings(file, QSettings::IniFormat);
        ProfileStore store(settings);
        QString error;
        QVERIFY2(store.save(sample(), &error), qPrintable(error));
        ConnectionProfile sentinel = sample();
        sentinel.name = QStringLiteral("a-sentinel");
        sentinel.redisUri.clear();
        sentinel.sentinels = {QStringLiteral("s1:26379"), QStringLiteral("s2:26379")};
        sentinel.sentinelMaster = QStringLiteral("mymaster");
        QVERIFY2(store.save(sentinel, &error), qPrintable(error));
        store.setLastUsed(QStringLiteral("prod-eu"));
    }
    QSettings settings(file, QSettings::IniFormat);
    ProfileStore store(settings);
    QCOMPARE(store.names(),
             (QStringList {QStringLiteral("a-sentinel"), QStringLiteral("prod-eu")}));
    const auto loaded = store.load(QStringLiteral("prod-eu"));
    QVERIFY(loaded.has_value());
    QCOMPARE(*loaded, sample());
    QCOMPARE(store.load(QStringLiteral("a-sentinel"))->sentinels.size(), 2);
    QCOMPARE(store.lastUsed(), QStringLiteral("prod-eu"));
    QVERIFY(!store.load(QStringLiteral("nope")).has_value());
    QVERIFY(store.remove(QStringLiteral("a-sentinel")));
    QCOMPARE(store.names(), QStringList {QStringLiteral("prod-eu")});
}

void TestProfiles::rejectsPasswords()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("s.ini"));
    QSettings settings(file, QSettings::IniFormat);
    ProfileStore store(settings);
    ConnectionProfile p = sample();
    p.redisUri = QStringLiteral("redis://oncall:hunter2@redis.internal:6379/0");
    QString error;
    QVERIFY(!store.save(p, &error));
    QVERIFY2(error.contains(QStringLiteral("password")), qPrintable(error));
    p = sample();
    p.pgDsn = QStringLiteral("host=db password=hunter2");
    QVERIFY(!store.save(p, &error));
    QVERIFY2(error.contains(QStringLiteral("PGPASSWORD")), qPrintable(error));
    p.pgDsn = QStringLiteral("postgresql://u:hunter2@db/agentops");
    QVERIFY(!store.save(p, &error));
    settings.sync();
    QFile f(file);
    if (f.open(QIODevice::ReadOnly))
        QVERIFY(!f.readAll().contains("hunter2"));
}

void TestProfiles::rejectsBadInput()
{
    ConnectionProfile p = sample();
    p.redisUri = QStringLiteral("http://redis");
    QVERIFY(!p.validate().isEmpty());
    p = sample();
    p.sentinels = {QStringLiteral("nohostport")};
    const QStringList problems = p.validate();
    QCOMPARE(problems.size(), 2); // bad address and no master name
    p = sample();
    p.tlsClientCert = QStringLiteral("/etc/hostname");
    QVERIFY(p.validate().join(QLatin1Char(' ')).contains(QStringLiteral("needs its key")));
    p = sample();
    p.tlsCaFile = QStringLiteral("/nonexistent/ca.pem");
    QVERIFY(p.validate().join(QLatin1Char(' ')).contains(QStringLiteral("cannot read")));
    p = ConnectionProfile();
    QCOMPARE(p.validate().size(), 2);
}

void TestProfiles::stripPassword()
{
    QString password;
    const QString stripped
        = ConnectionProfile::stripPassword(QStringLiteral("rediss://u:p%40ss@h:6380/1"), &password);
    QCOMPARE(password, QStringLiteral("p@ss"));
    QCOMPARE(stripped, QStringLiteral("rediss://u@h:6380/1"));
    password.clear();
    QCOMPARE(ConnectionProfile::stripPassword(QStringLiteral("redis://h:1"), &password),
             QStringLiteral("redis://h:1"));
    QVERIFY(password.isEmpty());
    // An invalid URI (a typo in the port, a control character) loses its password too, or
    // it went on, password and all, into messages (found by fuzz_redis_uri).
    const QString invalid = QStringLiteral("rediss://:s3cret@redis.internal:63x80/0");
    QVERIFY(!QUrl(invalid).isValid());
    const QString strippedInvalid = ConnectionProfile::stripPassword(invalid, &password);
    QCOMPARE(password, QStringLiteral("s3cret"));
    QVERIFY2(!strippedInvalid.contains(QStringLiteral("s3cret")), qPrintable(strippedInvalid));
}

namespace {
// libpq's own reading of a connection string: keyword -> value.
QMap<QString, QString> libpqReads(const QString &dsn)
{
    QMap<QString, QString> out;
    char *err = nullptr;
    PQconninfoOption *options = PQconninfoParse(dsn.toUtf8().constData(), &err);
    if (!options) {
        out.insert(QStringLiteral("error"), QString::fromUtf8(err));
        PQfreemem(err);
        return out;
    }
    for (PQconninfoOption *o = options; o->keyword; ++o)
        if (o->val)
            out.insert(QString::fromUtf8(o->keyword), QString::fromUtf8(o->val));
    PQconninfoFree(options);
    return out;
}
} // namespace

void TestProfiles::pgDsnWithPassword_data()
{
    QTest::addColumn<QString>("dsn");
    QTest::newRow("keywords") << QStringLiteral("host=db.internal dbname=agentops user=viewer");
    QTest::newRow("service") << QStringLiteral("service=agentops sslmode=verify-full");
    QTest::newRow("uri") << QStringLiteral("postgresql://viewer@db.internal:5432/agentops");
    QTest::newRow("uri with query")
        << QStringLiteral("postgres://db.internal/agentops?sslmode=require&application_name=a%26b");
    QTest::newRow("uri ending in ?") << QStringLiteral("postgresql://db.internal/agentops?");
    QTest::newRow("uri with encoded user") << QStringLiteral("postgresql://u%40corp@h/db");
    // Both lost their hosts when the URI went through QUrl (found by fuzz_pg_dsn): libpq
    // then sent the password to its default host.
    QTest::newRow("multi-host uri")
        << QStringLiteral("postgresql://h1:5432,h2:5433/db?target_session_attrs=read-write");
    QTest::newRow("socket directory as host")
        << QStringLiteral("postgresql://%2Ftmp%2Fpg/agentops");
    // A '?' in the user-info: a query added to the text became part of the host name.
    QTest::newRow("question mark in the user name")
        << QStringLiteral("postgresql://v?x@db/agentops");
    // Appended to this text, the password became the user name (found by fuzz_pg_dsn).
    QTest::newRow("empty value at the end") << QStringLiteral("host=db.internal user=");
    QTest::newRow("quoted values") << QStringLiteral("host='db 1' options='-c x=\\'y\\''");
}

void TestProfiles::pgDsnWithPassword()
{
    QFETCH(QString, dsn);
    const QString password = QStringLiteral("p@ss w'rd\\&?=%");
    const QMap<QString, QString> before = libpqReads(dsn);
    QVERIFY2(!before.contains(QStringLiteral("error")),
             qPrintable(before.value(QStringLiteral("error"))));
    QMap<QString, QString> after = libpqReads(ConnectionProfile::pgDsnWithPassword(dsn, password));
    QCOMPARE(after.take(QStringLiteral("password")), password);
    QCOMPARE(after, before);
}

void TestProfiles::pgDsnWithPasswordLeavesBrokenDsnsAlone()
{
    // A DSN libpq cannot read gets no password: libpq's message about it could quote it.
    for (const QString &broken : {QStringLiteral("host=db sslmode='unterminated"),
                                  QStringLiteral("postgresql://db/agentops?password=%zz")}) {
        QVERIFY(libpqReads(broken).contains(QStringLiteral("error")));
        QCOMPARE(ConnectionProfile::pgDsnWithPassword(broken, QStringLiteral("pw")), broken);
    }
}

void TestProfiles::namesWithSlashes()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    ProfileStore store(settings);
    ConnectionProfile p = sample();
    p.name = QStringLiteral("eu/west 1 ✓");
    QString error;
    QVERIFY2(store.save(p, &error), qPrintable(error));
    QCOMPARE(store.names(), QStringList {p.name});
    QCOMPARE(store.load(p.name)->name, p.name);
}

void TestProfiles::dsnSecretsAsLibpqReadsThem()
{
    const QList<std::pair<QString, QString>> cases {
        {QStringLiteral("host=db password=hunter2"), QStringLiteral("password")},
        {QStringLiteral("host=db password = 'hun ter2'"), QStringLiteral("password")},
        {QStringLiteral("host=db sslpassword=hunter2"), QStringLiteral("sslpassword")},
        {QStringLiteral("postgresql://u:hunter2@db/x"), QStringLiteral("password")},
        {QStringLiteral("postgres://u@db/x?password=hunter2"), QStringLiteral("password")},
        {QStringLiteral("postgresql:///x?host=db&sslpassword=hunter2"),
         QStringLiteral("sslpassword")},
        {QStringLiteral("host=db user=password dbname=password"), QString()},
        {QStringLiteral("postgresql://password@db/password"), QString()},
        {QStringLiteral("service=agentops sslmode=verify-full"), QString()},
        {QString(), QString()},
    };
    for (const auto &[dsn, secret] : cases)
        QVERIFY2(ConnectionProfile::pgDsnSecret(dsn) == secret, qPrintable(dsn));

    // Each form is refused by the profile check too, for the primary and the replica.
    for (const QString &dsn : {QStringLiteral("postgres://u@db/x?password=hunter2"),
                               QStringLiteral("host=db sslpassword=hunter2")}) {
        ConnectionProfile p = sample();
        p.pgReplicaDsn = dsn;
        QVERIFY2(p.validate().join(QLatin1Char(' ')).contains(QStringLiteral("PGPASSWORD")),
                 qPrintable(dsn));
        p = sample();
        p.pgDsn = dsn;
        QVERIFY2(!p.validate().isEmpty(), qPrintable(dsn));
    }
    ConnectionProfile p = sample();
    p.redisUri = QStringLiteral("rediss://:hunter2@h:6380");
    QVERIFY(!p.validate().isEmpty());
    p.redisUri = QStringLiteral("rediss://oncall@h:6380/0");
    QVERIFY2(p.validate().isEmpty(), qPrintable(p.validate().join(QLatin1Char(' '))));
}

void TestProfiles::noPasswordForAnEmptyDsn()
{
    // No replica configured: the primary's password must not make a "replica" DSN that
    // libpq would send to its default host.
    QCOMPARE(ConnectionProfile::pgDsnWithPassword(QString(), QStringLiteral("pw")), QString());
    QCOMPARE(ConnectionProfile::pgDsnWithPassword(QStringLiteral("  "), QStringLiteral("pw")),
             QStringLiteral("  "));
    const PgConfig config(
        ConnectionProfile::pgDsnWithPassword(QStringLiteral("host=db"), QStringLiteral("pw")),
        ConnectionProfile::pgDsnWithPassword(QString(), QStringLiteral("pw")));
    QVERIFY(!config.hasReplica());
    QVERIFY(config.connectionString(PgTarget::Replica).find("host='db'") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestProfiles)
#include "tst_profiles.moc"
