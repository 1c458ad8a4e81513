// The events tail's raw-reply path against a real redis-server: RedisConnection::sendRaw
// hands hiredis' tree to the caller with no RedisReply copy, and
// RecoveryEventTailWorker::rowFor(const redisReply *) turns one stream entry into a row.
// Hostile input must give marked bad rows with the reason (missing field, wrong RESP
// types, odd counts, a huge value) or a skipped entry when there is no ID: never a crash.
// Wrong RESP types cannot come from XRANGE, so a Lua script returns the malformed shapes:
// a real server still sends them over the wire. Server errors go to the error callback.
#include "core/redis/RedisConnection.h"
#include "core/services/RecoveryEventTailWorker.h"
#include "redis/RedisTestUtil.h"

#include <QTest>

#include <hiredis/hiredis.h>

using namespace switchboard;
using namespace switchboard::test;

namespace {
const QByteArray kKey = QByteArrayLiteral("t raw");

QStringList goodFields()
{
    RecoveryEvent e;
    e.at = 1700000000000;
    e.sessionId = QStringLiteral("s-1");
    e.agent = QStringLiteral("triage");
    e.kind = RecoveryKind::ToolTimeout;
    e.recoverable = true;
    e.strategy = RecoveryStrategy::Retry;
    e.outcome = RecoveryOutcome::Recovered;
    e.attempt = 2;
    e.message = QStringLiteral("fine");
    QStringList out;
    for (const QByteArray &part : e.toFields().toFlatList())
        out << QString::fromUtf8(part);
    return out;
}

struct RawResult
{
    bool called = false;
    bool gotError = false;
    QString error;
    std::vector<RecoveryEventRow> rows;
    int skipped = 0;
};
} // namespace

class TestRawStreamRows : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_server = std::make_unique<RedisServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->error()));
        m_conn = std::make_unique<RedisConnection>(optionsFor(*m_server));
        m_conn->open();
        QTRY_COMPARE(m_conn->state(), RedisConnection::State::Ready);
    }
    void cleanup()
    {
        m_conn.reset();
        m_server.reset();
    }

    void xrangeEntriesBecomeGoodAndBadRows()
    {
        const QStringList good = goodFields();
        QStringList missing = good;
        missing.remove(int(missing.indexOf(QStringLiteral("agent"))), 2);
        QStringList wrongType = good;
        wrongType[int(wrongType.indexOf(QStringLiteral("attempt"))) + 1] = QStringLiteral("lots");
        QStringList huge = good;
        huge[int(huge.indexOf(QStringLiteral("session_id"))) + 1]
            = QString(100000, QLatin1Char('x'));
        for (const QStringList &f : {good, missing, wrongType, huge})
            m_server->cli(
                QStringList {QStringLiteral("XADD"), QString::fromLatin1(kKey), QStringLiteral("*")}
                + f);
        const RawResult r = run(
            {QByteArrayLiteral("XRANGE"), kKey, QByteArrayLiteral("-"), QByteArrayLiteral("+")});
        QVERIFY(r.called);
        QCOMPARE(int(r.rows.size()), 4);
        QCOMPARE(int(r.rows[0].type), int(RecoveryEventRow::Type::Event));
        QCOMPARE(r.rows[0].event.agent, QStringLiteral("triage"));
        QCOMPARE(r.rows[0].event.attempt, qint64(2));
        QCOMPARE(r.rows[0].event.at, qint64(1700000000000));
        QVERIFY(r.rows[0].event.streamId.contains(QLatin1Char('-')));
        const QStringList needles {QStringLiteral("agent"), QStringLiteral("attempt"),
                                   QStringLiteral("session_id")};
        for (int i = 1; i < 4; ++i) {
            QCOMPARE(int(r.rows[size_t(i)].type), int(RecoveryEventRow::Type::Bad));
            QVERIFY2(r.rows[size_t(i)].problem.contains(needles.at(i - 1)),
                     qPrintable(r.rows[size_t(i)].problem));
            QVERIFY(r.rows[size_t(i)].problem.size() < 5000); // the huge value is not copied
        }
        QVERIFY(r.rows[3].event.sessionId.isEmpty());
    }

    void wrongRespTypesAreBadRowsOrSkipped()
    {
        // Entries as a hostile server might shape them: integer values, an odd count, a
        // non-list field part, an integer ID, a nested array as a value.
        const QString script
            = QStringLiteral("return {"
                             "{'5-1', {'at', 1700000000000, 'session_id', 's', 'agent', 'a'}},"
                             "{'5-2', {'at', '1700000000000', 'agent'}},"
                             "{'5-3', 42},"
                             "{7, {'at', '1'}},"
                             "{'5-5', {'at', {'1', '2'}, 'agent', 'a'}},"
                             "{'5-6'}"
                             "}");
        const RawResult r
            = run({QByteArrayLiteral("EVAL"), script.toUtf8(), QByteArrayLiteral("0")});
        QVERIFY(r.called);
        QCOMPARE(r.skipped, 2); // {7, ...} and {'5-6'}: no ID to place them by
        QCOMPARE(int(r.rows.size()), 4);
        for (const RecoveryEventRow &row : r.rows)
            QCOMPARE(int(row.type), int(RecoveryEventRow::Type::Bad));
        QVERIFY2(r.rows[0].problem.contains(QStringLiteral("not strings")),
                 qPrintable(r.rows[0].problem));
        QVERIFY2(r.rows[1].problem.contains(QStringLiteral("odd number")),
                 qPrintable(r.rows[1].problem));
        QVERIFY2(r.rows[2].problem.contains(QStringLiteral("not a list")),
                 qPrintable(r.rows[2].problem));
        QVERIFY2(r.rows[3].problem.contains(QStringLiteral("not strings")),
                 qPrintable(r.rows[3].problem));
        QCOMPARE(r.rows[0].event.streamId, QStringLiteral("5-1"));
        QCOMPARE(r.rows[2].event.at, qint64(5)); // no usable time: placed at the ID's time
    }

    void detailWithANulByteIsBadOnBothPaths()
    {
        // nlohmann's parser stops at a NUL byte: the in-place path took this detail for
        // valid JSON and dropped it, the copying path parsed {"tool":"x"} (found by
        // fuzz_resp's comparison of the two, via fuzz_json). Both now say why it is bad.
        QString fields;
        for (const QString &f : goodFields())
            fields += QLatin1Char('\'') + f + QStringLiteral("',");
        const QString script = QStringLiteral("return {{'6-1', {") + fields
            + QStringLiteral("'detail', '{\"tool\":\"x\"}\\0[[['}}}");
        const RawResult r
            = run({QByteArrayLiteral("EVAL"), script.toUtf8(), QByteArrayLiteral("0")});
        QVERIFY(r.called);
        QCOMPARE(int(r.rows.size()), 1);
        QCOMPARE(int(r.rows[0].type), int(RecoveryEventRow::Type::Bad));
        QCOMPARE(r.rows[0].problem,
                 QStringLiteral("event 6-1: field detail is not valid JSON: NUL byte at byte 12"));
        RedisStreamEntry copy;
        copy.id = QByteArrayLiteral("6-1");
        const QStringList good = goodFields();
        for (int i = 0; i + 1 < good.size(); i += 2)
            copy.fields.append({good.at(i).toUtf8(), good.at(i + 1).toUtf8()});
        copy.fields.append({QByteArrayLiteral("detail"), QByteArray("{\"tool\":\"x\"}\0[[[", 16)});
        QCOMPARE(RecoveryEventTailWorker::rowFor(copy).problem, r.rows[0].problem);
    }

    void serverErrorsGoToTheErrorCallback()
    {
        m_server->cli({QStringLiteral("SET"), QStringLiteral("plain"), QStringLiteral("x")});
        const RawResult r = run({QByteArrayLiteral("XRANGE"), QByteArrayLiteral("plain"),
                                 QByteArrayLiteral("-"), QByteArrayLiteral("+")});
        QVERIFY(!r.called);
        QVERIFY(r.gotError);
        QVERIFY2(r.error.contains(QStringLiteral("WRONGTYPE")), qPrintable(r.error));
    }

    void elementBudgetStillApplies()
    {
        RedisConnectionOptions small = optionsFor(*m_server);
        small.maxReplyElements = 100;
        m_conn = std::make_unique<RedisConnection>(small);
        m_conn->open();
        QTRY_COMPARE(m_conn->state(), RedisConnection::State::Ready);
        for (int i = 0; i < 30; ++i)
            m_server->cli(
                QStringList {QStringLiteral("XADD"), QString::fromLatin1(kKey), QStringLiteral("*")}
                + goodFields());
        const RawResult r = run(
            {QByteArrayLiteral("XRANGE"), kKey, QByteArrayLiteral("-"), QByteArrayLiteral("+")});
        QVERIFY(!r.called); // 30 entries x 22 elements: refused before it is built
        QVERIFY(r.gotError);
    }

private:
    RawResult run(const QList<QByteArray> &args)
    {
        RawResult out;
        bool done = false;
        m_conn->sendRaw(
            args, this,
            [&](const redisReply *reply) {
                out.called = true;
                done = true;
                if (reply->type != REDIS_REPLY_ARRAY)
                    return;
                for (size_t i = 0; i < reply->elements; ++i) {
                    RecoveryEventRow row;
                    if (RecoveryEventTailWorker::rowFor(reply->element[i], &row))
                        out.rows.push_back(std::move(row));
                    else
                        ++out.skipped;
                }
            },
            [&](const RedisReply &reply) {
                out.gotError = true;
                out.error = reply.errorMessage();
                done = true;
            });
        if (!QTest::qWaitFor([&] { return done; }, 10000))
            out.error = QStringLiteral("no reply in 10 s");
        return out;
    }

    std::unique_ptr<RedisServer> m_server;
    std::unique_ptr<RedisConnection> m_conn;
};

QTEST_GUILESS_MAIN(TestRawStreamRows)
#include "tst_rawstreamrows.moc"
