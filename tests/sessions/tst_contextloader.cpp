// ContextLoader against a real redis-server: a composition loads and parses; a missing
// key, broken JSON and a value over the 8 MiB cap are reported (the last without being
// transferred: one STRLEN, no GETRANGE); a newer load supersedes an older one.
#include "core/contract/Caps.h"
#include "core/contract/ContextComposition.h"
#include "core/contract/Keys.h"
#include "core/redis/RedisClient.h"
#include "core/services/ContextLoader.h"
#include "redis/RedisTestUtil.h"

#include <QSignalSpy>
#include <QTest>

using namespace switchboard;
using namespace switchboard::test;

namespace {

ContextComposition composition(const QString &id)
{
    ContextComposition c;
    c.sessionId = id;
    c.limit = 200000;
    c.model = QStringLiteral("claude-sonnet-4");
    c.updatedAt = 1764200000000;
    c.segments.append({SegmentKind::System, QStringLiteral("system"), 1200,
                       QStringLiteral("You are a support agent.")});
    c.segments.append({SegmentKind::Summary, QString(), 3000,
                       QStringLiteral("Earlier: the customer asked about refunds.")});
    c.segments.append(
        {SegmentKind::Message, QStringLiteral("user"), 800, QStringLiteral("Where is my order?")});
    c.segments.append(
        {SegmentKind::ToolResult, QStringLiteral("tool"), 5000, QStringLiteral("{\"order\":42}")});
    return c;
}

} // namespace

class TestContextLoader : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.error()));
        m_client = std::make_unique<RedisClient>(optionsFor(m_server));
        QSignalSpy ready(m_client.get(), &RedisClient::ready);
        m_client->open();
        QVERIFY(ready.wait(5000));
    }

    void loadsAndParses()
    {
        ContextLoader loader(m_client.get(), m_keys);
        QVERIFY(runCommand(*m_client,
                           {"SET", m_keys.sessionCtx(QStringLiteral("ok")),
                            composition(QStringLiteral("ok")).toBytes()}));
        QSignalSpy loaded(&loader, &ContextLoader::loaded);
        QSignalSpy failed(&loader, &ContextLoader::failed);
        loader.load(QStringLiteral("ok"));
        QVERIFY(loaded.wait(5000));
        QCOMPARE(failed.count(), 0);
        const auto c = loaded.at(0).at(0).value<ContextComposition>();
        QCOMPARE(c.sessionId, QStringLiteral("ok"));
        QCOMPARE(c.segments.size(), 4);
        QCOMPARE(c.totalTokens(), 10000);
        QCOMPARE(c.tokensOf(SegmentKind::ToolResult), 5000);
        QCOMPARE(loader.commandsSent(), quint64(2));
    }

    void reportsBadValues_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing") << QByteArray() << QStringLiteral("has expired");
        QTest::newRow("broken json")
            << QByteArray("{\"limit\": 100, \"segm") << QStringLiteral("not valid JSON");
        QTest::newRow("wrong type") << QByteArray("[1,2,3]") << QStringLiteral("not an object");
    }

    void reportsBadValues()
    {
        QFETCH(QByteArray, value);
        QFETCH(QString, expected);
        const QString id = QString::fromLatin1(QTest::currentDataTag())
                               .replace(QLatin1Char(' '), QLatin1Char('-'));
        if (!value.isEmpty())
            QVERIFY(runCommand(*m_client, {"SET", m_keys.sessionCtx(id), value}));
        ContextLoader loader(m_client.get(), m_keys);
        QSignalSpy loaded(&loader, &ContextLoader::loaded);
        QSignalSpy failed(&loader, &ContextLoader::failed);
        loader.load(id);
        QVERIFY(failed.wait(5000));
        QCOMPARE(loaded.count(), 0);
        QCOMPARE(failed.at(0).at(0).toString(), id);
        QVERIFY2(failed.at(0).at(1).toString().contains(expected),
                 qPrintable(failed.at(0).at(1).toString()));
    }

    void refusesOverCapWithoutTransfer()
    {
        const QByteArray key = m_keys.sessionCtx(QStringLiteral("huge"));
        // SETRANGE makes a 8 MiB + 16 byte value server-side (no 8 MiB upload here).
        QVERIFY(runCommand(*m_client,
                           {"SETRANGE", key, QByteArray::number(caps::kContextJson + 15), "x"}));
        const qint64 before = infoField(m_server, "stats", "total_net_output_bytes");
        ContextLoader loader(m_client.get(), m_keys);
        QSignalSpy failed(&loader, &ContextLoader::failed);
        loader.load(QStringLiteral("huge"));
        QVERIFY(failed.wait(5000));
        QVERIFY2(
            failed.at(0).at(1).toString().contains(QStringLiteral("over the 8388608-byte cap")),
            qPrintable(failed.at(0).at(1).toString()));
        QCOMPARE(loader.commandsSent(), quint64(1)); // STRLEN only
        const qint64 after = infoField(m_server, "stats", "total_net_output_bytes");
        QVERIFY2(after - before < 100000, qPrintable(QString::number(after - before)));
    }

    void newerLoadSupersedesOlder()
    {
        QVERIFY(runCommand(*m_client,
                           {"SET", m_keys.sessionCtx(QStringLiteral("first")),
                            composition(QStringLiteral("first")).toBytes()}));
        QVERIFY(runCommand(*m_client,
                           {"SET", m_keys.sessionCtx(QStringLiteral("second")),
                            composition(QStringLiteral("second")).toBytes()}));
        ContextLoader loader(m_client.get(), m_keys);
        QSignalSpy loaded(&loader, &ContextLoader::loaded);
        loader.load(QStringLiteral("first"));
        loader.load(QStringLiteral("second"));
        QVERIFY(loaded.wait(5000));
        QTest::qWait(200);
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(loaded.at(0).at(0).value<ContextComposition>().sessionId,
                 QStringLiteral("second"));
    }

private:
    RedisServer m_server;
    std::unique_ptr<RedisClient> m_client;
    Keys m_keys {QByteArrayLiteral("t:")};
};

QTEST_GUILESS_MAIN(TestContextLoader)
#include "tst_contextloader.moc"
