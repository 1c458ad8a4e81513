#include "core/redis/RedisStreamEntry.h"
#include "core/redis/RedisUri.h"

#include <QTest>

using namespace switchboard;

class TestRedisUri : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void full()
    {
        QString error;
        const auto uri = RedisUri::parse(
            QStringLiteral(
                "rediss://op:p%40ss@redis.example:6380/3?timeout=2s&connect_timeout=750ms"),
            &error);
        QVERIFY2(uri, qPrintable(error));
        QVERIFY(uri->tls);
        QCOMPARE(uri->host, QStringLiteral("redis.example"));
        QCOMPARE(uri->port, 6380);
        QCOMPARE(uri->username, QStringLiteral("op"));
        QCOMPARE(uri->password, QStringLiteral("p@ss"));
        QCOMPARE(uri->db, 3);
        QCOMPARE(uri->timeoutMs, 2000);
        QCOMPARE(uri->connectTimeoutMs, 750);
        const RedisConnectionOptions o = uri->toOptions();
        QVERIFY(o.tls);
        QVERIFY(o.tlsOptions.verifyPeer);
        QVERIFY(o.tlsOptions.verifyHostName);
    }
    void defaultsAndLegacyPassword()
    {
        const auto a = RedisUri::parse(QStringLiteral("redis://localhost"));
        QVERIFY(a);
        QCOMPARE(a->port, 6379);
        QCOMPARE(a->db, 0);
        QVERIFY(!a->tls);
        const auto b = RedisUri::parse(QStringLiteral("redis://:secret@h:1"));
        QVERIFY(b);
        QVERIFY(b->username.isEmpty());
        QCOMPARE(b->password, QStringLiteral("secret"));
    }
    void userInfoForms_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("password");
        // RFC 3986 / libpq: the part before ':' is the user, a lone user-info too.
        QTest::newRow("lone user")
            << QStringLiteral("rediss://oncall@h:6380/0") << QStringLiteral("oncall") << QString();
        QTest::newRow("user and password") << QStringLiteral("redis://oncall:pw@h")
                                           << QStringLiteral("oncall") << QStringLiteral("pw");
        QTest::newRow("password only")
            << QStringLiteral("redis://:pw@h") << QString() << QStringLiteral("pw");
        QTest::newRow("user, empty password")
            << QStringLiteral("redis://oncall:@h") << QStringLiteral("oncall") << QString();
        QTest::newRow("encoded") << QStringLiteral("redis://on%3Acall:p%40w%3A@h")
                                 << QStringLiteral("on:call") << QStringLiteral("p@w:");
        QTest::newRow("none") << QStringLiteral("redis://h") << QString() << QString();
    }
    void userInfoForms()
    {
        QFETCH(QString, text);
        QFETCH(QString, user);
        QFETCH(QString, password);
        const auto uri = RedisUri::parse(text);
        QVERIFY(uri);
        QCOMPARE(uri->username, user);
        QCOMPARE(uri->password, password);
        QCOMPARE(uri->toOptions().username, user);
    }
    void bad_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("scheme") << QStringLiteral("http://h") << QStringLiteral("scheme");
        QTest::newRow("no host") << QStringLiteral("redis://") << QStringLiteral("no host");
        QTest::newRow("db") << QStringLiteral("redis://h/abc") << QStringLiteral("database 'abc'");
        QTest::newRow("timeout") << QStringLiteral("redis://h?timeout=soon")
                                 << QStringLiteral("timeout 'soon'");
        QTest::newRow("option") << QStringLiteral("redis://h?tls=off")
                                << QStringLiteral("unknown option 'tls'");
        QTest::newRow("port") << QStringLiteral("redis://h:99999") << QStringLiteral("redis URI");
        // Seconds past an int of milliseconds: the product overflowed (UBSan, found by
        // fuzz_redis_uri) and 4294968s became a timeout of 704 ms; now refused like any
        // other bad duration.
        QTest::newRow("timeout too long")
            << QStringLiteral("redis://h?timeout=4294968s") << QStringLiteral("timeout '4294968s'");
        QTest::newRow("negative timeout") << QStringLiteral("redis://h?connect_timeout=-2147484s")
                                          << QStringLiteral("connect_timeout '-2147484s'");
    }
    void longestTimeout()
    {
        const auto uri = RedisUri::parse(QStringLiteral("redis://h?timeout=2147483s"));
        QVERIFY(uri);
        QCOMPARE(uri->timeoutMs, 2147483000);
    }
    void bad()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!RedisUri::parse(text, &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
    }
    void streamIds()
    {
        QCOMPARE(compareStreamIds("1-2", "1-10"), -1);
        QCOMPARE(compareStreamIds("2-0", "1-99"), 1);
        QCOMPARE(compareStreamIds("5", "5-0"), 0);
    }
};

QTEST_GUILESS_MAIN(TestRedisUri)
#include "tst_redisuri.moc"
