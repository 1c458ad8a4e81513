// End to end through the OpenTelemetry receiver, everything real: redis-server (the
// receiver's own ACL user), PostgreSQL (its agentops_writer login), the receiver
// (node ingest/src/main.js, bearer token) and the demo agent (ingest/demo/agent.js: the
// official SDK exporting OTLP/protobuf) running two conversations, one on a model whose
// window it sends and one whose window nobody knows. The agent records every span it ends
// (--record); then the console's own code reads what the receiver wrote and must find
// exactly that: the sessions through the sessions view's poller and SessionRecord::parse
// (fill level = the latest call's input tokens incl. cache over the window; no window, no
// fill, for the other), the compositions through ContextLoader (the agent's segments; the
// receiver's estimate), the recovery events through the events view's stream
// reader and parser, and each trace through TraceLoader (the traces view's loader, as a
// viewer login) with the tree of the spans sent: names, kinds, parents, children order,
// depth, path, turn, tokens and subtree totals, and the stored subtree columns.
#include "core/contract/ContextComposition.h"
#include "core/contract/Keys.h"
#include "core/contract/RecoveryEvent.h"
#include "core/contract/SessionRecord.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/redis/RedisReply.h"
#include "core/redis/RedisStreamReader.h"
#include "core/redis/RedisUri.h"
#include "core/services/ContextLoader.h"
#include "core/services/IndexDeltaPoller.h"
#include "core/services/RecoveryEventTailWorker.h"
#include "core/services/SessionFeed.h"
#include "core/services/TraceLoader.h"
#include "support/OrphanGuard.h"
#include "support/Ports.h"
#include "support/PostgresServer.h"
#include "support/RedisServer.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <utility>

using namespace switchboard;
using namespace switchboard::test;
using json = nlohmann::json;

namespace {

const QString kRedisPassword = QStringLiteral("ingest-e2e-redis-pw");
const QString kPgPassword = QStringLiteral("ingest-e2e-pg-pw");
const QString kToken = QStringLiteral("ingest-e2e-token");
const QString kAgent = QStringLiteral("otel-concierge");
const QString kHost = QStringLiteral("otel-demo-host");

QString sourceDir()
{
    const QString env = qEnvironmentVariable("SWITCHBOARD_SOURCE_DIR");
    return env.isEmpty() ? QDir::currentPath() : env;
}

// One span as the agent ended it (its --record line).
struct Sent
{
    QString traceId, spanId, parentId, name, session;
    qint64 startNs = 0, endNs = 0; // Unix ns, as exported
    qint64 startMs() const { return startNs / 1000000; } // the contract's ms
    qint64 endMs() const { return endNs / 1000000; }
    int statusCode = 0; // OpenTelemetry: 0 unset, 1 ok, 2 error
    json attrs;
    json events;
    QVector<int> children; // indexes into the session's spans, in path order
    int parent = -1;
};

QString str(const json &attrs, const char *name)
{
    const auto it = attrs.find(name);
    return it != attrs.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                : QString();
}

qint64 num(const json &attrs, const char *name, qint64 otherwise = -1)
{
    const auto it = attrs.find(name);
    return it != attrs.end() && it->is_number_integer() ? it->get<qint64>() : otherwise;
}

qint64 nsOf(const json &text)
{
    return QByteArray::fromStdString(text.get<std::string>()).toLongLong();
}

// docs/contract.md, "From OpenTelemetry": the kinds the demo agent's operations map to.
QString expectedKind(const Sent &s)
{
    const QString own = str(s.attrs, "agentops.span.kind");
    if (!own.isEmpty())
        return own;
    const QString op = str(s.attrs, "gen_ai.operation.name");
    if (op == QLatin1String("invoke_agent"))
        return QStringLiteral("turn");
    if (op == QLatin1String("chat"))
        return QStringLiteral("llm");
    if (op == QLatin1String("execute_tool"))
        return QStringLiteral("tool");
    return QStringLiteral("unexpected operation '%1'").arg(op);
}

bool isError(const Sent &s)
{
    return s.statusCode == 2 || !str(s.attrs, "error.type").isEmpty();
}

// The contract's token columns: input_tokens is the non-cached part of
// gen_ai.usage.input_tokens (which counts the cache), cache read / write apart.
qint64 cacheRead(const Sent &s)
{
    return num(s.attrs, "gen_ai.usage.cache_read.input_tokens");
}
qint64 cacheWrite(const Sent &s)
{
    return num(s.attrs, "gen_ai.usage.cache_creation.input_tokens");
}
qint64 inputTokens(const Sent &s)
{
    const qint64 in = num(s.attrs, "gen_ai.usage.input_tokens");
    if (in < 0)
        return -1;
    return std::max<qint64>(
        0, in - std::max<qint64>(0, cacheRead(s)) - std::max<qint64>(0, cacheWrite(s)));
}
qint64 outputTokens(const Sent &s)
{
    return num(s.attrs, "gen_ai.usage.output_tokens");
}

QString pathElement(const Sent &s)
{
    return QDateTime::fromMSecsSinceEpoch(s.startMs(), Qt::UTC)
               .toString(QStringLiteral("yyyyMMdd'T'HHmmsszzz"))
        + QLatin1Char('Z') + s.spanId;
}

struct SentSession
{
    QString id;
    QVector<Sent> spans;
    QHash<QString, int> indexOf;
    QVector<int> roots; // path order

    // Links parents and children, each list in path order (start ms, then span id).
    void link()
    {
        for (int i = 0; i < spans.size(); ++i)
            indexOf.insert(spans[i].spanId, i);
        QVector<int> order(spans.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(),
                  [this](int a, int b) { return pathElement(spans[a]) < pathElement(spans[b]); });
        for (int i : std::as_const(order)) {
            Sent &s = spans[i];
            s.parent = s.parentId.isEmpty() ? -1 : indexOf.value(s.parentId, -1);
            if (s.parent < 0)
                roots.append(i);
            else
                spans[s.parent].children.append(i);
        }
    }
    int depth(int i) const { return spans[i].parent < 0 ? 0 : depth(spans[i].parent) + 1; }
    QString path(int i) const
    {
        const QString own = pathElement(spans[i]);
        return spans[i].parent < 0 ? own : path(spans[i].parent) + QLatin1Char('.') + own;
    }
    int turnOf(int i) const
    {
        while (spans[i].parent >= 0)
            i = spans[i].parent;
        return int(num(spans[i].attrs, "agentops.turn"));
    }
    struct Totals
    {
        qint64 tokens = 0, cache = 0;
        int errors = 0, spans = 0;
        qint64 first = 0, last = 0; // ns: the subtree's first start and last end
    };
    Totals totals(int i) const
    {
        const Sent &s = spans[i];
        Totals t;
        t.tokens = std::max<qint64>(0, inputTokens(s)) + std::max<qint64>(0, outputTokens(s));
        t.cache = std::max<qint64>(0, cacheRead(s));
        t.errors = isError(s) ? 1 : 0;
        t.spans = 1;
        t.first = s.startNs;
        t.last = s.endNs;
        for (int c : s.children) {
            const Totals ct = totals(c);
            t.tokens += ct.tokens;
            t.cache += ct.cache;
            t.errors += ct.errors;
            t.spans += ct.spans;
            t.first = std::min(t.first, ct.first);
            t.last = std::max(t.last, ct.last);
        }
        return t;
    }
    // The model call the live state must show: the llm span that ended last.
    const Sent *latestLlm() const
    {
        const Sent *best = nullptr;
        for (const Sent &s : spans) {
            if (expectedKind(s) == QLatin1String("llm") && (!best || s.endMs() >= best->endMs()))
                best = &s;
        }
        return best;
    }
    int count(const QString &kind) const
    {
        return int(std::count_if(spans.begin(), spans.end(),
                                 [&kind](const Sent &s) { return expectedKind(s) == kind; }));
    }
    QVector<std::pair<const Sent *, json>> recoveries() const
    {
        QVector<std::pair<const Sent *, json>> out;
        for (const Sent &s : spans) {
            for (const json &e : s.events) {
                if (e.value("name", std::string()) == "agentops.recovery")
                    out.append({&s, e});
            }
        }
        return out;
    }
};

} // namespace

class TestIngestE2e : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void sessionsAsTheSessionsViewReadsThem();
    void compositionAsTheContextPanelLoadsIt();
    void recoveryEventsAsTheEventsViewReadsThem();
    void traceTreeEqualsTheSpansSent();

private:
    QString redisUri() const { return m_redis->uri(); }
    RedisConnectionOptions redisOptions() const { return RedisUri::parse(redisUri())->toOptions(); }
    bool startReceiver(QString *why);
    bool runAgent(QString *why);
    bool readRecord(QString *why);
    const SentSession *known() const; // the conversation whose window was sent
    const SentSession *unknown() const;

    std::unique_ptr<RedisServer> m_redis;
    PostgresServer m_pg;
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_receiver;
    QByteArray receiverLog() const;
    int m_port = 0;
    std::map<QString, SentSession> m_sessions;
};

void TestIngestE2e::initTestCase()
{
    const QString root = sourceDir();
    if (!QFile::exists(root + QStringLiteral("/ingest/node_modules/@opentelemetry/sdk-trace-node")))
        QSKIP("ingest/node_modules is missing: run `npm ci` in ingest/ (scripts/test.sh does)");
    // node_modules without node is a broken setup, not a skip.
    QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty(),
             "node is not installed (scripts/install-deps.sh)");
    QVERIFY(m_dir.isValid());

    // The receiver's ACL (docs/contract.md, Roles): its keys and commands, nothing else.
    RedisOptions ro;
    ro.aclUsers << QStringLiteral(
                       "ingest on >%1 resetkeys ~agentops:session:* ~agentops:sessions "
                       "~agentops:events resetchannels -@all +evalsha +eval +script|load "
                       "+zremrangebyscore +ping +hello +auth +client|setname +info +select +hset "
                       "+hget +hincrby +hexists +hdel +zadd +pexpire +exists +set +xadd")
                       .arg(kRedisPassword);
    m_redis = std::make_unique<RedisServer>(ro);
    QVERIFY2(m_redis->start(), qPrintable(m_redis->error()));
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createDatabase(QStringLiteral("sb")), qPrintable(m_pg.error()));
    QVERIFY2(m_pg.createLogin(QStringLiteral("ingest_e2e"), kPgPassword,
                              {QStringLiteral("agentops_writer")}),
             qPrintable(m_pg.error()));
    // The traces view reads as a viewer.
    QVERIFY2(m_pg.createLogin(QStringLiteral("viewer_e2e"), QStringLiteral("pw-viewer"),
                              {QStringLiteral("agentops_viewer")}),
             qPrintable(m_pg.error()));

    QString why;
    QVERIFY2(startReceiver(&why), qPrintable(why));
    QVERIFY2(runAgent(&why), qPrintable(why));
    QVERIFY2(readRecord(&why), qPrintable(why));

    // What the agent sent covers what this test is about (else it would check less).
    QVERIFY2(known() && unknown(), "expected one conversation with a window and one without");
    QCOMPARE(known()->count(QStringLiteral("turn")), 6);
    QVERIFY2(known()->count(QStringLiteral("summarize")) >= 1, "no summarize span sent");
    int recoveries = 0, errors = 0;
    for (const auto &[id, s] : m_sessions) {
        recoveries += int(s.recoveries().size());
        errors += int(std::count_if(s.spans.begin(), s.spans.end(), isError));
    }
    QVERIFY2(recoveries >= 3, qPrintable(QString::number(recoveries)));
    QVERIFY2(errors >= 1, "no failed tool call sent");
}

void TestIngestE2e::cleanupTestCase()
{
    if (m_receiver && m_receiver->state() != QProcess::NotRunning) {
        m_receiver->terminate();
        if (!m_receiver->waitForFinished(5000)) {
            m_receiver->kill();
            m_receiver->waitForFinished(2000);
        }
    }
}

bool TestIngestE2e::startReceiver(QString *why)
{
    m_port = freeLoopbackPort();
    const json settings = {{"listen_host", "127.0.0.1"},
                           {"port", m_port},
                           {"redis_uri", redisUri().toStdString()},
                           {"redis_user", "ingest"},
                           {"pg_dsn",
                            QStringLiteral("host=127.0.0.1 port=%1 user=ingest_e2e dbname=sb")
                                .arg(m_pg.port())
                                .toStdString()},
                           {"model_windows", json::object()}};
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SWITCHBOARD_INGEST_CONFIG"),
               QString::fromStdString(settings.dump()));
    // Secrets by environment, as ingest/README.md says (the receiver refuses them in the DSN).
    env.insert(QStringLiteral("SWITCHBOARD_INGEST_REDIS_PASSWORD"), kRedisPassword);
    env.insert(QStringLiteral("PGPASSWORD"), kPgPassword);
    env.insert(QStringLiteral("SWITCHBOARD_INGEST_TOKEN"), kToken);
    m_receiver = std::make_unique<QProcess>();
    killWithTestProcess(*m_receiver);
    m_receiver->setProcessEnvironment(env);
    m_receiver->setProcessChannelMode(QProcess::MergedChannels);
    // To a file: a pipe nobody reads while the test waits for the agent would stop the
    // receiver at its first 64 KiB of log.
    m_receiver->setStandardOutputFile(m_dir.filePath(QStringLiteral("receiver.log")));
    m_receiver->start(QStringLiteral("node"),
                      {sourceDir() + QStringLiteral("/ingest/src/main.js")});
    QDeadlineTimer deadline(15000);
    while (!deadline.hasExpired()) {
        if (receiverLog().contains(" listening on "))
            return true;
        if (m_receiver->state() == QProcess::NotRunning)
            break;
        QTest::qWait(50);
    }
    *why = QStringLiteral("the receiver did not start:\n") + QString::fromUtf8(receiverLog());
    return false;
}

QByteArray TestIngestE2e::receiverLog() const
{
    QFile f(m_dir.filePath(QStringLiteral("receiver.log")));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool TestIngestE2e::runAgent(QString *why)
{
    QProcess agent;
    killWithTestProcess(agent);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SWITCHBOARD_INGEST_TOKEN"), kToken);
    agent.setProcessEnvironment(env);
    // Two conversations side by side (lane 0 sends its window, lane 1 does not), six turns
    // each: the seed gives lane 0 a summary and lane 1 a tool timeout. 100x faster than
    // the demo's pace; every timestamp is still the real clock's.
    agent.start(QStringLiteral("node"),
                {sourceDir() + QStringLiteral("/ingest/demo/agent.js"),
                 QStringLiteral("--endpoint"),
                 QStringLiteral("http://127.0.0.1:%1/v1/traces").arg(m_port),
                 QStringLiteral("--conversations"), QStringLiteral("2"), QStringLiteral("--lanes"),
                 QStringLiteral("2"), QStringLiteral("--turns"), QStringLiteral("6"),
                 QStringLiteral("--speed"), QStringLiteral("100"), QStringLiteral("--seed"),
                 QStringLiteral("7"), QStringLiteral("--record"),
                 m_dir.filePath(QStringLiteral("sent.jsonl"))});
    if (!agent.waitForFinished(60000)) { // ~3 s unloaded; a loaded CI machine is slower
        agent.kill();
        agent.waitForFinished(2000);
        *why = QStringLiteral("the agent did not finish in 60 s:\n%1\n%2\nreceiver:\n%3")
                   .arg(QString::fromUtf8(agent.readAllStandardOutput()),
                        QString::fromUtf8(agent.readAllStandardError()),
                        QString::fromUtf8(receiverLog().right(4000)));
        return false;
    }
    const QByteArray err = agent.readAllStandardError();
    if (agent.exitStatus() != QProcess::NormalExit || agent.exitCode() != 0 || !err.isEmpty()) {
        *why = QStringLiteral("the agent failed (exit %1):\n%2")
                   .arg(agent.exitCode())
                   .arg(QString::fromUtf8(err));
        return false;
    }
    if (err.contains(kToken.toUtf8()) || agent.readAllStandardOutput().contains(kToken.toUtf8())) {
        *why = QStringLiteral("the agent printed its bearer token");
        return false;
    }
    return true;
}

bool TestIngestE2e::readRecord(QString *why)
{
    QFile f(m_dir.filePath(QStringLiteral("sent.jsonl")));
    if (!f.open(QIODevice::ReadOnly)) {
        *why = QStringLiteral("the agent wrote no record of its spans");
        return false;
    }
    int lines = 0;
    while (!f.atEnd()) {
        const QByteArray line = f.readLine().trimmed();
        if (line.isEmpty())
            continue;
        const json j = json::parse(line.toStdString(), nullptr, false);
        if (j.is_discarded()) {
            *why = QStringLiteral("record line %1 is not JSON").arg(lines + 1);
            return false;
        }
        Sent s;
        s.traceId = QString::fromStdString(j.at("traceId").get<std::string>());
        s.spanId = QString::fromStdString(j.at("spanId").get<std::string>());
        s.parentId = QString::fromStdString(j.at("parentSpanId").get<std::string>());
        s.name = QString::fromStdString(j.at("name").get<std::string>());
        s.startNs = nsOf(j.at("startNs"));
        s.endNs = nsOf(j.at("endNs"));
        s.statusCode = j.at("status").get<int>();
        s.attrs = j.at("attributes");
        s.events = j.at("events");
        s.session = str(s.attrs, "gen_ai.conversation.id");
        SentSession &session = m_sessions[s.session];
        session.id = s.session;
        session.spans.append(std::move(s));
        ++lines;
    }
    for (auto &[id, session] : m_sessions)
        session.link();
    if (m_sessions.size() != 2 || m_sessions.count(QString())) {
        *why = QStringLiteral("%1 spans in %2 sessions, expected 2 conversation ids on every span")
                   .arg(lines)
                   .arg(m_sessions.size());
        return false;
    }
    return true;
}

const SentSession *TestIngestE2e::known() const
{
    for (const auto &[id, s] : m_sessions) {
        if (s.latestLlm() && num(s.latestLlm()->attrs, "gen_ai.context.window_size") > 0)
            return &s;
    }
    return nullptr;
}

const SentSession *TestIngestE2e::unknown() const
{
    for (const auto &[id, s] : m_sessions) {
        if (s.latestLlm() && num(s.latestLlm()->attrs, "gen_ai.context.window_size") < 0)
            return &s;
    }
    return nullptr;
}

void TestIngestE2e::sessionsAsTheSessionsViewReadsThem()
{
    RedisClient client(redisOptions());
    client.open();
    const Keys keys;
    // The sessions view's poller, with its options (bulk SORT_RO of the view's fields).
    IndexDeltaPoller poller(&client, SessionFeed::options(keys, 200));
    QHash<QByteArray, QList<QByteArray>> fields;
    connect(&poller, &IndexDeltaPoller::delta, this, [&fields](const IndexDelta &d) {
        for (const IndexRecord &r : d.upserts)
            fields.insert(r.member, r.fields);
    });
    poller.start();
    const auto turnsOf = [&fields](const QString &id) {
        const RecordFields f = RecordFields::fromFlatList(fields.value(id.toUtf8()));
        const RecordFields::Value *v = f.find("turns");
        return v && *v ? v->value().toInt() : -1;
    };
    for (const auto &[id, sent] : m_sessions) {
        QTRY_COMPARE_WITH_TIMEOUT(turnsOf(id), sent.count(QStringLiteral("turn")), 15000);
    }
    poller.stop();
    // The last turn span is written after (or with) its calls: these are the final fields.
    QCOMPARE(int(fields.size()), 2);

    for (const SentSession *sent : {known(), unknown()}) {
        const Sent &call = *sent->latestLlm();
        const RecordFields f = RecordFields::fromFlatList(fields.value(sent->id.toUtf8()));
        const Parsed<SessionRecord> p = SessionRecord::parse(f, sent->id);
        QVERIFY2(p.isOk(), qPrintable(p.message()));
        const SessionRecord &s = p.value();
        QCOMPARE(s.agent, kAgent);
        QCOMPARE(s.host, kHost);
        QCOMPARE(s.model, str(call.attrs, "gen_ai.response.model"));
        QCOMPARE(s.state, SessionState::Active);
        QCOMPARE(s.turns, qint64(sent->count(QStringLiteral("turn"))));
        QCOMPARE(s.summaries, qint64(sent->count(QStringLiteral("summarize"))));
        // The latest call's input, cache included (not a sum over turns).
        QVERIFY(cacheRead(call) > 0); // the cache is part of it
        QCOMPARE(s.ctxTokens, num(call.attrs, "gen_ai.usage.input_tokens"));
        // updated_at: the last end of a turn, call or summary; started_at: the first call.
        qint64 updated = 0, started = std::numeric_limits<qint64>::max();
        for (const Sent &x : sent->spans) {
            if (expectedKind(x) != QLatin1String("tool"))
                updated = std::max(updated, x.endMs());
            if (expectedKind(x) == QLatin1String("llm"))
                started = std::min(started, x.startMs());
        }
        QCOMPARE(s.updatedAt, updated);
        QCOMPARE(s.startedAt, started);
        const qint64 window = num(call.attrs, "gen_ai.context.window_size");
        if (window > 0) {
            // The window the agent sent (setContextWindow): a fill level.
            QCOMPARE(s.ctxLimit, window);
            QCOMPARE(s.fillRatio(), double(s.ctxTokens) / double(window));
            QVERIFY(s.fillRatio() > 0.05);
        } else {
            // Nobody knows the window: no ctx_limit (never a guess), "window unknown".
            QVERIFY(!f.contains("ctx_limit"));
            QCOMPARE(s.ctxLimit, qint64(0));
            QCOMPARE(s.fillRatio(), 0.0);
        }
    }
}

void TestIngestE2e::compositionAsTheContextPanelLoadsIt()
{
    RedisClient client(redisOptions());
    client.open();
    ContextLoader loader(&client, Keys());
    std::optional<ContextComposition> got;
    QString failure;
    connect(&loader, &ContextLoader::loaded, this,
            [&got](const ContextComposition &c) { got = c; });
    connect(&loader, &ContextLoader::failed, this,
            [&failure](const QString &, const QString &m) { failure = m; });
    const auto load = [&](const QString &id) {
        got.reset();
        failure.clear();
        loader.load(id);
        return QTest::qWaitFor([&] { return got.has_value() || !failure.isEmpty(); }, 10000);
    };

    // The agent's own segments (setContextSegments) of its latest call, exactly.
    {
        const SentSession &sent = *known();
        const Sent &call = *sent.latestLlm();
        QVERIFY(load(sent.id));
        QVERIFY2(got.has_value(), qPrintable(failure));
        QCOMPARE(got->sessionId, sent.id);
        QCOMPARE(got->limit, num(call.attrs, "gen_ai.context.window_size"));
        QCOMPARE(got->estimated, false);
        QCOMPARE(got->model, str(call.attrs, "gen_ai.response.model"));
        const json segments
            = json::parse(str(call.attrs, "agentops.context.segments").toStdString());
        QVERIFY(segments.size() >= 4);
        QCOMPARE(got->segments.size(), qsizetype(segments.size()));
        for (qsizetype i = 0; i < got->segments.size(); ++i) {
            const json &want = segments[size_t(i)];
            const ContextSegment &g = got->segments[i];
            QCOMPARE(enumToText(g.kind),
                     QString::fromStdString(want.at("kind").get<std::string>()));
            QCOMPARE(g.role, QString::fromStdString(want.value("role", std::string())));
            QCOMPARE(g.tokens, want.at("tokens").get<qint64>());
            QCOMPARE(g.text, QString::fromStdString(want.value("text", std::string())));
        }
        // The agent's segments are its whole prompt: they add up to the fill.
        QCOMPARE(got->totalTokens(), num(call.attrs, "gen_ai.usage.input_tokens"));
        QVERIFY(got->tokensOf(SegmentKind::Summary) > 0); // it summarised before that call
    }

    // Without segments and without a window: the receiver's estimate from the input
    // messages (the system instructions first), marked so, with no limit.
    {
        const SentSession &sent = *unknown();
        const Sent &call = *sent.latestLlm();
        QVERIFY(load(sent.id));
        QVERIFY2(got.has_value(), qPrintable(failure));
        QCOMPARE(got->limit, qint64(0));
        QCOMPARE(got->estimated, true);
        QCOMPARE(got->model, str(call.attrs, "gen_ai.response.model"));
        const json messages = json::parse(str(call.attrs, "gen_ai.input.messages").toStdString());
        QCOMPARE(got->segments.size(), qsizetype(messages.size() + 1));
        QCOMPARE(got->segments[0].kind, SegmentKind::System);
        QCOMPARE(got->segments[0].text,
                 str(json::parse(str(call.attrs, "gen_ai.system_instructions").toStdString())[0],
                     "content"));
        for (size_t i = 0; i < messages.size(); ++i) {
            const ContextSegment &g = got->segments[qsizetype(i + 1)];
            const QString role = QString::fromStdString(messages[i].at("role").get<std::string>());
            QCOMPARE(g.role, role);
            QCOMPARE(g.kind,
                     role == QLatin1String("tool") ? SegmentKind::ToolResult
                                                   : SegmentKind::Message);
        }
        QCOMPARE(got->totalTokens(), num(call.attrs, "gen_ai.usage.input_tokens"));
    }
}

void TestIngestE2e::recoveryEventsAsTheEventsViewReadsThem()
{
    qsizetype expected = 0;
    QHash<QString, QVector<json>> bySpan; // span id -> its agentops.recovery events, in order
    QHash<QString, const Sent *> spanOf;
    for (const auto &[id, s] : m_sessions) {
        for (const auto &[span, e] : s.recoveries()) {
            bySpan[span->spanId].append(e);
            spanOf.insert(span->spanId, span);
            ++expected;
        }
    }
    RedisStreamReader reader(redisOptions());
    const Keys keys;
    reader.addStream(keys.recoveryEvents(), QByteArrayLiteral("0"));
    QList<RedisStreamEntry> entries;
    connect(
        &reader, &RedisStreamReader::entries, this,
        [&entries](const QByteArray &, const QList<RedisStreamEntry> &batch) { entries += batch; });
    reader.start();
    QTRY_COMPARE_WITH_TIMEOUT(entries.size(), expected, 10000);
    QTest::qWait(300); // nothing more comes
    reader.stop();
    QCOMPARE(entries.size(), expected);

    QHash<QString, int> seen;
    for (const RedisStreamEntry &entry : std::as_const(entries)) {
        // The events view's row for it: a good event, not a bad row.
        const RecoveryEventRow row = RecoveryEventTailWorker::rowFor(entry);
        QVERIFY2(row.type == RecoveryEventRow::Type::Event, qPrintable(row.problem));
        // The parser, with the detail the row leaves out.
        RecordFields fields;
        for (const auto &pair : entry.fields)
            fields.set(pair.first, pair.second);
        const Parsed<RecoveryEvent> p = RecoveryEvent::parse(fields, QString::fromLatin1(entry.id));
        QVERIFY2(p.isOk(), qPrintable(p.message()));
        const RecoveryEvent &e = p.value();
        QVERIFY2(bySpan.contains(e.spanId), qPrintable(e.spanId));
        const Sent &span = *spanOf.value(e.spanId);
        const json &want = bySpan[e.spanId][seen[e.spanId]++];
        const json &a = want.at("attributes");
        QCOMPARE(e.sessionId, span.session);
        QCOMPARE(e.agent, kAgent);
        QCOMPARE(e.host, kHost);
        QCOMPARE(e.traceId, span.traceId);
        QCOMPARE(e.at, nsOf(want.at("timeNs")) / 1000000);
        QCOMPARE(enumToText(e.kind), str(a, "agentops.recovery.kind"));
        QCOMPARE(enumToText(e.strategy), str(a, "agentops.recovery.strategy"));
        QCOMPARE(enumToText(e.outcome), str(a, "agentops.recovery.outcome"));
        QCOMPARE(e.attempt, num(a, "agentops.recovery.attempt"));
        QCOMPARE(e.recoverable, a.at("agentops.recovery.recoverable").get<bool>());
        QCOMPARE(e.message, str(a, "agentops.recovery.message"));
        QVERIFY(e.detail == json::parse(str(a, "agentops.recovery.detail").toStdString()));
        QCOMPARE(row.event.spanId, e.spanId);
    }
    // Each event once, in the order the spans recorded them.
    for (auto it = bySpan.cbegin(); it != bySpan.cend(); ++it)
        QCOMPARE(seen.value(it.key()), int(it.value().size()));
}

void TestIngestE2e::traceTreeEqualsTheSpansSent()
{
    PgPool pool(PgConfig(m_pg.loginDsn(QStringLiteral("viewer_e2e"), QStringLiteral("pw-viewer"),
                                       QStringLiteral("sb"))));
    QObject context;
    TraceLoader loader(&pool, &context);
    for (const auto &[id, sent] : m_sessions) {
        // Every span written (children that came before their turn wait for it).
        QTRY_COMPARE_WITH_TIMEOUT(
            m_pg.psql(QStringLiteral("sb"),
                      QStringLiteral("SELECT count(*) FROM agentops.spans WHERE session_id = '%1'")
                          .arg(id))
                .trimmed(),
            QByteArray::number(sent.spans.size()), 15000);

        TraceSnapshotPtr trace;
        PgStatus status;
        bool done = false;
        loader.load(id, [&](const PgStatus &s, const TraceSnapshotPtr &t) {
            status = s;
            trace = t;
            done = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(done, 15000);
        QVERIFY2(status.ok(), qPrintable(status.message));
        QVERIFY(trace);
        QCOMPARE(trace->sessionId, id);
        QCOMPARE(trace->agent, kAgent);
        QCOMPARE(trace->nodes.size(), sent.spans.size());
        QCOMPARE(trace->orphans, 0);
        QCOMPARE(trace->roots.size(), sent.roots.size());
        QCOMPARE(trace->recoveryEvents.size(), sent.recoveries().size());

        // The columns the receiver computed: path (tree order), depth, subtree totals.
        QHash<QString, QList<QByteArray>> stored;
        const QList<QByteArray> rows
            = m_pg.psql(
                      QStringLiteral("sb"),
                      QStringLiteral("SELECT span_id, path, depth, subtree_tokens, subtree_errors,"
                                     " subtree_duration_ms FROM agentops.spans WHERE session_id"
                                     " = '%1'")
                          .arg(id))
                  .trimmed()
                  .split('\n');
        for (const QByteArray &r : rows) {
            const QList<QByteArray> cols = r.split('|');
            QCOMPARE(cols.size(), 6);
            stored.insert(QString::fromLatin1(cols[0]), cols);
        }

        const std::function<void(int, int)> compare = [&](int node, int want) {
            const TraceNode &n = trace->nodes[node];
            const Sent &s = sent.spans[want];
            const QString where = QStringLiteral("span %1 (%2)").arg(s.spanId, s.name);
            QVERIFY2(n.spanId == s.spanId, qPrintable(where + QStringLiteral(" vs ") + n.spanId));
            QCOMPARE(n.name, s.name);
            QCOMPARE(enumToText(n.kind), expectedKind(s));
            QCOMPARE(n.parentId, s.parentId);
            QCOMPARE(n.depth, sent.depth(want));
            QCOMPARE(n.turn, sent.turnOf(want));
            QCOMPARE(n.status == SpanStatus::Error, isError(s));
            QCOMPARE(n.startedAt, s.startMs());
            QVERIFY2(std::abs(n.durationMs - double(s.endNs - s.startNs) / 1e6) < 0.001,
                     qPrintable(where));
            QCOMPARE(n.model, str(s.attrs, "gen_ai.response.model"));
            QCOMPARE(n.host, kHost);
            QCOMPARE(n.inputTokens, inputTokens(s));
            QCOMPARE(n.outputTokens, outputTokens(s));
            QCOMPARE(n.cacheReadTokens, cacheRead(s));
            QCOMPARE(n.problem, QString());
            int events = 0;
            for (const json &e : s.events)
                events += e.value("name", std::string()) == "agentops.recovery" ? 1 : 0;
            QCOMPARE(n.recoveryEvents, events);
            const SentSession::Totals t = sent.totals(want);
            QCOMPARE(n.subtreeTokens, t.tokens);
            QCOMPARE(n.subtreeCacheTokens, t.cache);
            QCOMPARE(n.subtreeErrors, t.errors);
            QCOMPARE(n.subtreeSpans, t.spans);
            const QList<QByteArray> cols = stored.value(s.spanId);
            QVERIFY2(cols.size() == 6, qPrintable(where));
            QCOMPARE(QString::fromLatin1(cols[1]), sent.path(want));
            QCOMPARE(cols[2].toInt(), sent.depth(want));
            QCOMPARE(cols[3].toLongLong(), t.tokens);
            QCOMPARE(cols[4].toInt(), t.errors);
            // The receiver's wall time is within a millisecond of the exact one.
            QVERIFY2(std::abs(cols[5].toDouble() - double(t.last - t.first) / 1e6) < 1.0,
                     qPrintable(where + QStringLiteral(": subtree_duration_ms ")
                                + QString::fromLatin1(cols[5])));
            // The same children, in the same (path) order.
            QCOMPARE(n.children.size(), s.children.size());
            for (qsizetype c = 0; c < n.children.size(); ++c) {
                compare(n.children[c], s.children[c]);
                if (QTest::currentTestFailed())
                    return;
            }
        };
        for (qsizetype r = 0; r < trace->roots.size(); ++r) {
            compare(trace->roots[r], sent.roots[r]);
            if (QTest::currentTestFailed())
                return;
        }
    }
}

QTEST_GUILESS_MAIN(TestIngestE2e)
#include "tst_ingest_e2e.moc"
