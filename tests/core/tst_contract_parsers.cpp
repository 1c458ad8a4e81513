// The contract parsers on good and bad input: every record type valid and round-tripped
// through toFields; each required field missing or NULL; wrong types; broken and
// truncated JSON; values over their caps (10 MB, timed); invalid UTF-8 and binary
// garbage; unknown enum values. None of it may throw, crash or take long.
#include "core/contract/ActivePrompt.h"
#include "core/contract/ContextComposition.h"
#include "core/contract/ControlCommand.h"
#include "core/contract/ControlResult.h"
#include "core/contract/Keys.h"
#include "core/contract/OperatorAction.h"
#include "core/contract/ProcessEvent.h"
#include "core/contract/ProcessRecord.h"
#include "core/contract/PromptDeployment.h"
#include "core/contract/PromptVersion.h"
#include "core/contract/RecoveryEvent.h"
#include "core/contract/SessionRecord.h"
#include "core/contract/SessionSummary.h"
#include "core/contract/Span.h"
#include "core/contract/Timestamp.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QtTest>

#include <functional>

using namespace switchboard;
using T = FieldWriter::Target;

namespace {

constexpr qint64 kT0 = 1795735767123; // 2026-11-26 23:29:27.123 UTC

// What a test needs of one record type, independent of the struct.
struct RecordType
{
    QString name;
    T target;
    RecordFields sample;
    QByteArrayList required;
    // parse -> (ok, message, toFields of the parsed value)
    std::function<std::tuple<bool, QString, RecordFields>(const RecordFields &)> parse;
};

template<class S> RecordType makeType(const char *name, T target, const S &sample)
{
    return {QString::fromLatin1(name), target, sample.toFields(target), S::requiredFieldNames(),
            [target](const RecordFields &f) {
                const auto p = S::parse(f, QStringLiteral("abc"));
                return std::make_tuple(p.isOk(), p.message(), p.value().toFields(target));
            }};
}

QList<RecordType> allTypes()
{
    ProcessRecord proc;
    proc.host = QStringLiteral("h1");
    proc.app = QStringLiteral("voice-gw");
    proc.pmId = 3;
    proc.pid = 4242;
    proc.layer = QStringLiteral("voice");
    proc.status = ProcessStatus::Online;
    proc.execMode = ExecMode::Cluster;
    proc.instances = 2;
    proc.restarts = 5;
    proc.startedAt = kT0 - 60000;
    proc.cpu = 12.5;
    proc.memory = 123456789;
    proc.version = QStringLiteral("1.4.2");
    proc.heartbeatAt = kT0;

    ProcessEvent pev;
    pev.host = QStringLiteral("h1");
    pev.app = QStringLiteral("voice-gw");
    pev.pmId = 3;
    pev.event = ProcessEventKind::Exit;
    pev.detail = {{"exit_code", 1}, {"signal", "SIGKILL"}};
    pev.at = kT0;

    SessionRecord sess;
    sess.agent = QStringLiteral("triage");
    sess.channel = QStringLiteral("phone");
    sess.startedAt = kT0 - 1000;
    sess.updatedAt = kT0;
    sess.turns = 7;
    sess.ctxTokens = 150000;
    sess.ctxLimit = 200000;
    sess.model = QStringLiteral("claude-sonnet-4");
    sess.promptVersion = 4;
    sess.state = SessionState::Active;

    RecoveryEvent ev;
    ev.at = kT0;
    ev.sessionId = QStringLiteral("s-1");
    ev.agent = QStringLiteral("triage");
    ev.kind = RecoveryKind::InvalidJson;
    ev.recoverable = true;
    ev.strategy = RecoveryStrategy::StricterPromptRetry;
    ev.outcome = RecoveryOutcome::Recovered;
    ev.attempt = 2;
    ev.spanId = QStringLiteral("sp-9");
    ev.message = QStringLiteral("model returned invalid JSON");
    ev.detail = {{"raw_excerpt", "{\"a\":"}};

    ControlCommand cmd;
    cmd.cmdId = QStringLiteral("0b3c1f7e-4d2a-4b8e-9f10-1234567890ab");
    cmd.action = ControlAction::Reload;
    cmd.app = QStringLiteral("voice-gw");
    cmd.pmIdText = QStringLiteral("all");
    cmd.requestedBy = QStringLiteral("ann");
    cmd.reason = QStringLiteral("memory leak");
    cmd.requestedAt = kT0;
    cmd.expiresAt = kT0 + 60000;
    cmd.auditId = 1234;

    ControlResult res;
    res.cmdId = cmd.cmdId;
    res.host = QStringLiteral("h1");
    res.state = ControlState::Succeeded;
    res.message = QStringLiteral("reloaded 2 instances");
    res.at = kT0 + 3000;

    Span span;
    span.spanId = QStringLiteral("sp-9");
    span.traceId = QStringLiteral("tr-1");
    span.parentId = QStringLiteral("sp-1");
    span.sessionId = QStringLiteral("s-1");
    span.turn = 3;
    span.kind = SpanKind::Llm;
    span.name = QStringLiteral("chat claude-sonnet-4");
    span.agent = QStringLiteral("triage");
    span.model = QStringLiteral("claude-sonnet-4");
    span.startedAt = kT0;
    span.durationMs = 812.25;
    span.firstTokenAt = kT0 + 300;
    span.inputTokens = 1200;
    span.outputTokens = 80;
    span.cacheReadTokens = 10000;
    span.status = SpanStatus::Ok;
    span.path = Span::pathElement(kT0, span.spanId);
    span.depth = 1;
    span.attrs = {{"gen_ai.operation.name", "chat"}, {"gen_ai.usage.input_tokens", 1200}};
    span.input = QStringLiteral("You are … ünïcødé");
    span.output = QStringLiteral("{\"ok\":true}");

    SessionSummary sum;
    sum.sessionId = QStringLiteral("s-1");
    sum.agent = QStringLiteral("triage");
    sum.startedAt = kT0;
    sum.turns = 9;
    sum.outcome = SessionOutcome::Completed;
    sum.maxFillPct = 81.5;
    sum.hadRecoveryEvents = true;
    sum.recoveryEventCount = 2;

    PromptVersion pv;
    pv.agent = QStringLiteral("triage");
    pv.version = 4;
    pv.body = QStringLiteral("You are a triage agent.");
    pv.model = QStringLiteral("claude-sonnet-4-20250514");
    pv.params = {{"temperature", 0.2}};
    pv.createdAt = kT0;
    pv.createdBy = QStringLiteral("ann");
    pv.evalScore = 0.93;
    pv.evalPassed = true;

    PromptDeployment dep;
    dep.id = 42;
    dep.agent = QStringLiteral("triage");
    dep.version = 3;
    dep.deployedAt = kT0;
    dep.deployedBy = QStringLiteral("bob");
    dep.kind = DeploymentKind::Rollback;
    dep.reason = QStringLiteral("invalid JSON spike");
    dep.previousVersion = 4;
    dep.previousDeploymentId = 41;

    OperatorAction act;
    act.id = 7;
    act.at = kT0;
    act.operatorName = QStringLiteral("ann");
    act.clientHost = QStringLiteral("laptop");
    act.action = OperatorActionKind::Reload;
    act.target = QStringLiteral("proc:h1:voice-gw:3");
    act.reason = QStringLiteral("stuck");
    act.params = {{"cmd_id", "x"}};
    act.outcome = OperatorOutcome::Requested;

    ActivePrompt ap;
    ap.agent = QStringLiteral("abc");
    ap.version = 3;
    ap.model = QStringLiteral("claude-sonnet-4");
    ap.deploymentId = 42;
    ap.deployedAt = kT0;

    return {makeType("process", T::Redis, proc),
            makeType("process event", T::Redis, pev),
            makeType("process event (pg)", T::Postgres, pev),
            makeType("session", T::Redis, sess),
            makeType("event", T::Redis, ev),
            makeType("event (pg)", T::Postgres, ev),
            makeType("command", T::Redis, cmd),
            makeType("command result", T::Redis, res),
            makeType("span", T::Postgres, span),
            makeType("session summary", T::Postgres, sum),
            makeType("prompt version", T::Postgres, pv),
            makeType("deployment", T::Postgres, dep),
            makeType("operator action", T::Postgres, act),
            makeType("active prompt", T::Redis, ap)};
}

RecordFields with(RecordFields f, const char *name, const QByteArray &value)
{
    f.set(QByteArray(name), value);
    return f;
}

RecordFields without(const RecordFields &f, const QByteArray &name)
{
    RecordFields out;
    for (const auto &e : f.entries())
        if (e.first != name)
            out.set(e.first, e.second);
    return out;
}

} // namespace

class TstContractParsers : public QObject
{
    Q_OBJECT

private slots:
    void validRecordsRoundTrip();
    void compositionTotalsSaturate();
    void eachRequiredFieldMissingOrNull();
    void binaryGarbageInEveryField();
    void preciseMessages_data();
    void preciseMessages();
    void tenMegabytesIsRefusedFast();
    void hugeJsonGarbageIsFast();
    void contextComposition();
    void contextCompositionBad_data();
    void contextCompositionBad();
    void fillRatioIsGuarded();
    void windowUnknownAndEstimated();
    void timestamps();
    void recordFields();
    void keys();
    void controlCommandChecks();
    void activationMessage();
};

void TstContractParsers::validRecordsRoundTrip()
{
    for (const RecordType &t : allTypes()) {
        const auto [ok, message, fields] = t.parse(t.sample);
        QVERIFY2(ok, qPrintable(t.name + QStringLiteral(": ") + message));
        QVERIFY2(fields == t.sample, qPrintable(t.name + QStringLiteral(" does not round-trip")));
        // Redis replies arrive as flat lists.
        if (t.target == T::Redis) {
            const auto again = t.parse(RecordFields::fromFlatList(t.sample.toFlatList()));
            QVERIFY2(std::get<0>(again), qPrintable(std::get<1>(again)));
        }
    }
}

void TstContractParsers::eachRequiredFieldMissingOrNull()
{
    int checked = 0;
    for (const RecordType &t : allTypes()) {
        QVERIFY(!t.required.isEmpty());
        for (const QByteArray &name : t.required) {
            const auto missing = t.parse(without(t.sample, name));
            QVERIFY2(!std::get<0>(missing),
                     qPrintable(t.name + QStringLiteral(" accepted without ")
                                + QString::fromUtf8(name)));
            QVERIFY2(std::get<1>(missing).contains(QStringLiteral("field ")
                                                   + QString::fromUtf8(name)
                                                   + QStringLiteral(" is missing")),
                     qPrintable(std::get<1>(missing)));
            RecordFields nulled = t.sample;
            nulled.setNull(name);
            const auto isNull = t.parse(nulled);
            QVERIFY(!std::get<0>(isNull));
            QVERIFY2(std::get<1>(isNull).endsWith(QStringLiteral("field ") + QString::fromUtf8(name)
                                                  + QStringLiteral(" is null")),
                     qPrintable(std::get<1>(isNull)));
            const auto empty = t.parse(with(t.sample, name.constData(), QByteArray()));
            QVERIFY(!std::get<0>(empty));
            ++checked;
        }
    }
    QVERIFY(checked > 60);
}

void TstContractParsers::binaryGarbageInEveryField()
{
    QRandomGenerator rng(1234);
    for (const RecordType &t : allTypes()) {
        for (const auto &e : t.sample.entries()) {
            QByteArray garbage(64, Qt::Uninitialized);
            for (char &c : garbage)
                c = char(rng.bounded(256));
            garbage[0] = char(0xC3); // a lead byte without its continuation: never UTF-8
            garbage[1] = char(0x28);
            const auto r = t.parse(with(t.sample, e.first.constData(), garbage));
            QVERIFY2(!std::get<0>(r),
                     qPrintable(t.name + QStringLiteral(" accepted garbage in ")
                                + QString::fromUtf8(e.first)));
            QVERIFY(std::get<1>(r).size() < 400); // shortened, never the whole value
        }
    }
}

void TstContractParsers::preciseMessages_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("expected");
    const auto session = [](const RecordFields &f) {
        return SessionRecord::parse(f, QStringLiteral("abc")).message();
    };
    const RecordFields s = allTypes().at(3).sample;
    QTest::newRow("not an integer")
        << session(with(s, "ctx_tokens", "lots"))
        << QStringLiteral("session abc: field ctx_tokens = 'lots' is not an integer");
    QTest::newRow("integer with space")
        << session(with(s, "turns", " 7"))
        << QStringLiteral("session abc: field turns = ' 7' is not an integer");
    QTest::newRow("integer overflow")
        << session(with(s, "turns", "99999999999999999999"))
        << QStringLiteral("session abc: field turns = '99999999999999999999' is not an integer");
    QTest::newRow("negative")
        << session(with(s, "ctx_tokens", "-5"))
        << QStringLiteral(
               "session abc: field ctx_tokens = '-5' is out of range (0..9223372036854775807)");
    QTest::newRow("missing") << session(without(s, "agent"))
                             << QStringLiteral("session abc: field agent is missing");
    QTest::newRow("invalid utf-8")
        << session(with(s, "agent",
                        QByteArray("tri\xff"
                                   "age")))
        << QStringLiteral("session abc: field agent is not valid UTF-8 (byte 3)");
    QTest::newRow("overlong utf-8")
        << session(with(s, "agent", QByteArray("\xc0\xaf")))
        << QStringLiteral("session abc: field agent is not valid UTF-8 (byte 0)");
    QTest::newRow("nul byte") << session(with(s, "agent", QByteArray("a\0b", 3)))
                              << QStringLiteral("session abc: field agent contains a NUL byte");
    QTest::newRow("unknown enum")
        << session(with(s, "state", "zombie"))
        << QStringLiteral(
               "session abc: field state = 'zombie' is not one of active|idle|summarizing|ended");
    QTest::newRow("bad time") << session(with(s, "updated_at", "yesterday"))
                              << QStringLiteral("session abc: field updated_at = 'yesterday' is "
                                                "not a timestamp (Unix ms or timestamptz)");
    QTest::newRow("escaped quote")
        << session(with(s, "turns", "it's\n"))
        << QStringLiteral("session abc: field turns = 'it\\'s\\n' is not an integer");

    const RecordFields ev = allTypes().at(4).sample;
    const auto event = [](const RecordFields &f) {
        return RecoveryEvent::parse(f, QStringLiteral("1-0")).message();
    };
    QTest::newRow("truncated json")
        << event(with(ev, "detail", "{\"tool\": \"search\", "))
        << QStringLiteral(
               "event 1-0: field detail is not valid JSON: unexpected end of input at byte 19");
    QTest::newRow("broken json")
        << event(with(ev, "detail", "{\"tool\": search}"))
        << QStringLiteral("event 1-0: field detail is not valid JSON: invalid literal at byte 9");
    QTest::newRow("deep json")
        << event(with(ev, "detail", QByteArray(100, '[')))
        << QStringLiteral(
               "event 1-0: field detail is not valid JSON: nested deeper than 64 levels");
    // nlohmann's parser stops at a NUL byte: this was valid JSON {"tool":"x"} (found by
    // fuzz_json). The activation message is read by the same parser.
    QTest::newRow("json with a nul byte")
        << event(with(ev, "detail", QByteArray("{\"tool\":\"x\"}\0[[[", 16)))
        << QStringLiteral("event 1-0: field detail is not valid JSON: NUL byte at byte 12");
    QTest::newRow("activation message with a nul byte")
        << ActivePrompt::parseActivationMessage(
               QByteArray("{\"agent\":\"t\",\"version\":1,\"model\":\"m\",\"deployment_id\":1,"
                          "\"deployed_at\":1}\0{\"version\":2}",
                          85))
               .message()
        << QStringLiteral("active prompt : message is not a JSON object: NUL byte at byte 71");
    QTest::newRow("bad bool") << event(with(ev, "recoverable", "yes"))
                              << QStringLiteral(
                                     "event 1-0: field recoverable = 'yes' is not a boolean (1|0)");
    QTest::newRow("bad strategy") << event(with(ev, "strategy", "pray"))
                                  << QStringLiteral(
                                         "event 1-0: field strategy = 'pray' is not one of "
                                         "alternative_tool|stricter_prompt_retry|retry|summarize|"
                                         "ask_user|fallback_model|abort");
    // detail JSON has its own cap, 64 KiB (not the 4 KiB of a scalar): at the cap it is
    // fine, one byte over it is not (issue 17 found the parsers at 4 KiB).
    const auto detailOf = [](qsizetype bytes) -> QByteArray { // (not a QStringBuilder)
        const QByteArray head = "{\"raw_excerpt\":\"";
        return head + QByteArray(bytes - head.size() - 2, 'd') + "\"}";
    };
    QTest::newRow("detail at its cap")
        << event(with(ev, "detail", detailOf(64 * 1024))) << QString();
    QTest::newRow("detail over its cap")
        << event(with(ev, "detail", detailOf(64 * 1024 + 1)))
        << QStringLiteral("event 1-0: field detail is 65537 bytes, over the 65536-byte cap");
    const RecordFields proc = allTypes().at(0).sample;
    QTest::newRow("bad number")
        << ProcessRecord::parse(with(proc, "cpu", "nan"), QStringLiteral("h1:voice-gw:3")).message()
        << QStringLiteral("process h1:voice-gw:3: field cpu = 'nan' is not a number");
    QTest::newRow("long value shortened")
        << SessionRecord::parse(with(s, "turns", QByteArray(100, 'x')), QStringLiteral("abc"))
               .message()
        << QStringLiteral("session abc: field turns = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'… "
                          "(100 bytes) is not an integer");
}

void TstContractParsers::preciseMessages()
{
    QFETCH(QString, message);
    QFETCH(QString, expected);
    QCOMPARE(message, expected);
}

void TstContractParsers::tenMegabytesIsRefusedFast()
{
    const QByteArray huge(10 * 1024 * 1024, 'x');
    QElapsedTimer timer;
    timer.start();
    for (const RecordType &t : allTypes()) {
        for (const auto &e : t.sample.entries()) {
            if (t.name == QLatin1String("span") && (e.first == "input" || e.first == "output"))
                continue; // span payloads may be tens of MB (cap 64 MiB), checked below
            const auto r = t.parse(with(t.sample, e.first.constData(), huge));
            QVERIFY2(!std::get<0>(r),
                     qPrintable(t.name + QStringLiteral(".") + QString::fromUtf8(e.first)));
            QVERIFY2(std::get<1>(r).contains(QStringLiteral(" is 10485760 bytes, over the ")),
                     qPrintable(std::get<1>(r)));
        }
    }
    const qint64 ms = timer.elapsed();
    qInfo("every field of every record set to 10 MB and refused in %lld ms", ms);
    QVERIFY2(ms < 1000, "checking a 10 MB value must not cost more than its length check");
    const RecordFields span = allTypes().at(8).sample;
    QVERIFY(Span::parse(with(span, "input", QByteArray(20 * 1024 * 1024, 'p'))).isOk());
    QCOMPARE(
        Span::parse(with(span, "output", QByteArray(65 * 1024 * 1024, 'p'))).message(),
        QStringLiteral("span sp-9: field output is 68157440 bytes, over the 67108864-byte cap"));
    QCOMPARE(
        SessionRecord::parse(with(allTypes().at(3).sample, "model", huge), QStringLiteral("abc"))
            .message(),
        QStringLiteral("session abc: field model is 10485760 bytes, over the 4096-byte cap"));
}

void TstContractParsers::hugeJsonGarbageIsFast()
{
    // Under the 8 MiB context cap, so the parser really runs on it.
    QByteArray garbage(7 * 1024 * 1024, Qt::Uninitialized);
    QRandomGenerator rng(99);
    for (char &c : garbage)
        c = char(rng.bounded(256));
    QByteArray deep(7 * 1024 * 1024, '[');
    QByteArray longString
        = "{\"limit\": 10, \"segments\": [{\"kind\": \"message\", \"tokens\": 1, \"text\": \""
        + QByteArray(7 * 1024 * 1024, 'a'); // unterminated
    for (const QByteArray &input : {garbage, deep, longString}) {
        QElapsedTimer timer;
        timer.start();
        const auto p = ContextComposition::parse(input, QStringLiteral("abc"));
        const qint64 ms = timer.elapsed();
        qInfo("7 MiB bad context JSON refused in %lld ms: %s", ms,
              qPrintable(p.message().left(120)));
        QVERIFY(!p.isOk());
        QVERIFY2(ms < 100, "a 7 MiB bad value must be refused in well under 100 ms");
    }
    // A valid 7 MiB composition (200 segments of 36 KiB) parses quickly too.
    ContextComposition big;
    big.limit = 2000000;
    for (int i = 0; i < 200; ++i)
        big.segments.append({SegmentKind::Message, QStringLiteral("user"), 9000,
                             QString(36 * 1024, QLatin1Char('w'))});
    const QByteArray bigJson = big.toBytes();
    QElapsedTimer timer;
    timer.start();
    const auto ok = ContextComposition::parse(bigJson, QStringLiteral("abc"));
    const qint64 ms = timer.elapsed();
    qInfo("valid %lld-byte context composition parsed in %lld ms", qlonglong(bigJson.size()), ms);
    QVERIFY2(ok.isOk(), qPrintable(ok.message()));
    QCOMPARE(ok.value().segments.size(), 200);
    QVERIFY2(ms < 1000,
             "a valid 7 MiB composition must parse in well under a second, even in Debug");
    const auto over
        = ContextComposition::parse(QByteArray(10 * 1024 * 1024, '{'), QStringLiteral("abc"));
    QCOMPARE(over.message(),
             QStringLiteral("context abc: value is 10485760 bytes, over the 8388608-byte cap"));
}

void TstContractParsers::contextComposition()
{
    ContextComposition c;
    c.limit = 200000;
    c.model = QStringLiteral("claude-sonnet-4");
    c.updatedAt = kT0;
    c.segments = {
        {SegmentKind::System, QStringLiteral("system"), 1800, QStringLiteral("You are …")},
        {SegmentKind::Summary, QString(), 900, QStringLiteral("Earlier: …")},
        {SegmentKind::ToolResult, QStringLiteral("tool"), 5200, QStringLiteral("{\"rows\": []}")},
        {SegmentKind::Retrieval, QStringLiteral("user"), 3000, QStringLiteral("doc ✓")}};
    const auto p = ContextComposition::parse(c.toBytes(), QStringLiteral("s-1"));
    QVERIFY2(p.isOk(), qPrintable(p.message()));
    QCOMPARE(p.value().toBytes(), c.toBytes());
    QCOMPARE(p.value().segments.size(), 4);
    QCOMPARE(p.value().totalTokens(), 10900);
    QCOMPARE(p.value().tokensOf(SegmentKind::ToolResult), 5200);
    QCOMPARE(p.value().segments.at(3).text, QStringLiteral("doc ✓"));
}

void TstContractParsers::contextCompositionBad_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");
    QTest::newRow("truncated")
        << QByteArray("{\"limit\": 100, \"segm")
        << QStringLiteral("context s: value is not valid JSON: unterminated string at byte 21");
    QTest::newRow("not an object")
        << QByteArray("[1,2]") << QStringLiteral("context s: value is a JSON array, not an object");
    QTest::newRow("estimated not a boolean")
        << QByteArray("{\"estimated\": \"yes\", \"segments\": []}")
        << QStringLiteral("context s: field estimated is not a boolean (string)");
    QTest::newRow("limit as string")
        << QByteArray("{\"limit\": \"lots\", \"segments\": []}")
        << QStringLiteral("context s: field limit is not a non-negative integer (string)");
    QTest::newRow("segments not array")
        << QByteArray("{\"limit\": 1, \"segments\": {}}")
        << QStringLiteral("context s: field segments is not an array (object)");
    QTest::newRow("unknown kind") << QByteArray(
        "{\"limit\": 1, \"segments\": [{\"kind\": \"memo\", \"tokens\": 1}]}")
                                  << QStringLiteral(
                                         "context s: field segments[0].kind = 'memo' is not one of "
                                         "system|summary|message|tool_result|retrieval");
    QTest::newRow("negative tokens")
        << QByteArray("{\"limit\": 1, \"segments\": [{\"kind\": \"system\", \"tokens\": -3}]}")
        << QStringLiteral(
               "context s: field segments[0].tokens is not a non-negative integer (number)");
    QTest::newRow("text not string")
        << QByteArray(
               "{\"limit\": 1, \"segments\": [{\"kind\": \"system\", \"tokens\": 3, \"text\": 5}]}")
        << QStringLiteral("context s: field segments[0].text is not a string");
    QTest::newRow("invalid utf-8")
        << QByteArray("{\"limit\": 1, \"segments\": [{\"kind\": \"sys\xff\"}]}")
        << QStringLiteral("context s: value is not valid JSON: invalid UTF8 string at byte 39");
}

void TstContractParsers::contextCompositionBad()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    QCOMPARE(ContextComposition::parse(json, QStringLiteral("s")).message(), expected);
}

void TstContractParsers::fillRatioIsGuarded()
{
    SessionRecord s;
    s.ctxTokens = 140000;
    s.ctxLimit = 200000;
    QCOMPARE(s.fillRatio(), 0.7);
    s.ctxLimit = 0;
    QCOMPARE(s.fillRatio(), 0.0);
    s.ctxLimit = -5;
    QCOMPARE(s.fillRatio(), 0.0);
    s.ctxLimit = 1000;
    s.ctxTokens = 1500;
    QCOMPARE(s.fillRatio(), 1.5); // an overflow stays visible
    // ctx_limit 0 is a bad record in the first place.
    const auto p = SessionRecord::parse(with(allTypes().at(3).sample, "ctx_limit", "0"),
                                        QStringLiteral("abc"));
    QVERIFY(!p.isOk());
}

void TstContractParsers::windowUnknownAndEstimated()
{
    // What the OpenTelemetry receiver writes for a model whose window nobody told it: no
    // ctx_limit in the session hash, no limit in the composition, and segments estimated
    // from the input messages. A session like that is a session (fill unknown), not a
    // bad record.
    QVERIFY(allTypes().at(3).sample.contains(QByteArray("ctx_limit")));
    const RecordFields f = without(allTypes().at(3).sample, QByteArray("ctx_limit"));
    const auto session = SessionRecord::parse(f, QStringLiteral("s-otel"));
    QVERIFY2(session.isOk(), qPrintable(session.message()));
    QCOMPARE(session.value().ctxLimit, 0);
    QCOMPARE(session.value().fillRatio(), 0.0);
    QVERIFY(!session.value().toFields().contains(QByteArray("ctx_limit")));

    const QByteArray json = "{\"model\": \"llama-local\", \"updated_at\": 1795735767123, "
                            "\"estimated\": true, \"segments\": [{\"kind\": \"system\", "
                            "\"role\": \"system\", \"tokens\": 12, \"text\": \"Be brief.\"}]}";
    const auto ctx = ContextComposition::parse(json, QStringLiteral("s-otel"));
    QVERIFY2(ctx.isOk(), qPrintable(ctx.message()));
    QCOMPARE(ctx.value().limit, 0);
    QVERIFY(ctx.value().estimated);
    QCOMPARE(ctx.value().totalTokens(), 12);
    const auto again = ContextComposition::parse(ctx.value().toBytes(), QStringLiteral("s-otel"));
    QVERIFY2(again.isOk(), qPrintable(again.message()));
    QVERIFY(again.value().estimated);
    QVERIFY(!ctx.value().toBytes().contains("\"limit\""));
}

void TstContractParsers::timestamps()
{
    using namespace switchboard::timestamp;
    QCOMPARE(toTimestamptz(kT0), QByteArray("2026-11-26 23:29:27.123+00"));
    QCOMPARE(parseMs("2026-11-26 23:29:27.123+00"), std::optional<qint64>(kT0));
    QCOMPARE(parseMs("2026-11-26T23:29:27.123Z"), std::optional<qint64>(kT0));
    QCOMPARE(parseMs("2026-11-27 00:59:27.123456+01:30"), std::optional<qint64>(kT0));
    QCOMPARE(parseMs("2026-11-26 18:29:27.123-05"), std::optional<qint64>(kT0));
    QCOMPARE(parseMs("2026-11-26 23:29:27+00"), std::optional<qint64>(kT0 - 123));
    QCOMPARE(parseMs("1795735767123"), std::optional<qint64>(kT0));
    QCOMPARE(parseMs("2026-11-26 23:29:27.123"), std::nullopt); // no zone: refuse to guess
    QCOMPARE(parseMs("2026-02-30 00:00:00+00"), std::nullopt);
    QCOMPARE(parseMs("2024-02-29 00:00:00+00").has_value(), true);
    QCOMPARE(parseMs("1e12"), std::nullopt);
    for (qint64 ms : {qint64(0), qint64(951782400000), kT0, qint64(4102444800999)})
        QCOMPARE(parseMs(toTimestamptz(ms)), std::optional<qint64>(ms));
    QCOMPARE(parseInteger("-9223372036854775808"),
             std::optional<qint64>(std::numeric_limits<qint64>::min()));
    QCOMPARE(parseInteger("9223372036854775808"), std::nullopt);
}

void TstContractParsers::recordFields()
{
    const RecordFields odd = RecordFields::fromFlatList({"agent", "a", "turns"});
    QVERIFY(!odd.structuralError().isEmpty());
    const auto p = SessionRecord::parse(odd, QStringLiteral("abc"));
    QVERIFY(!p.isOk());
    QVERIFY2(p.message().contains(QStringLiteral("odd number of elements (3)")),
             qPrintable(p.message()));

    const RecordFields pg = RecordFields::fromPairs(
        {{QStringLiteral("a"), QStringLiteral("1")}, {QStringLiteral("b"), std::nullopt}});
    QVERIFY(pg.contains("b"));
    QVERIFY(pg.isNull("b"));
    QVERIFY(!pg.isNull("a"));
    QVERIFY(!pg.contains("c"));
    QVERIFY(pg.find("c") == nullptr);
    const RecordFields dup = RecordFields::fromFlatList({"a", "1", "a", "2"});
    QCOMPARE(dup.size(), 1);
    QCOMPARE(dup.find("a")->value(), QByteArray("2"));

    // Small records are searched linearly, large ones through an index built when they
    // grow past 32 fields: repeats and lookups behave the same on both sides of that.
    QList<QByteArray> flat;
    for (int i = 0; i < 100; ++i)
        flat << "f" + QByteArray::number(i % 60) << QByteArray::number(i);
    const RecordFields big = RecordFields::fromFlatList(flat);
    QCOMPARE(big.size(), 60);
    QCOMPARE(big.find("f5")->value(), QByteArray("65")); // repeated after the index exists
    QCOMPARE(big.find("f59")->value(), QByteArray("59"));
    QVERIFY(big.find("f60") == nullptr);
    QCOMPARE(big.names().at(31), QByteArray("f31")); // first-insertion order kept
}

void TstContractParsers::keys()
{
    const Keys k;
    QCOMPARE(k.proc(QStringLiteral("h1"), QStringLiteral("api"), 3),
             QByteArray("agentops:proc:h1:api:3"));
    QCOMPARE(k.procs(), QByteArray("agentops:procs"));
    QCOMPARE(k.procEvents(), QByteArray("agentops:proc-events"));
    QCOMPARE(k.session(QStringLiteral("s1")), QByteArray("agentops:session:s1"));
    QCOMPARE(k.sessions(), QByteArray("agentops:sessions"));
    QCOMPARE(k.sessionCtx(QStringLiteral("s1")), QByteArray("agentops:session:s1:ctx"));
    QCOMPARE(k.recoveryEvents(), QByteArray("agentops:events"));
    QCOMPARE(k.control(QStringLiteral("h1")), QByteArray("agentops:control:h1"));
    QCOMPARE(k.controlResults(), QByteArray("agentops:control-results"));
    QCOMPARE(k.prompt(QStringLiteral("triage")), QByteArray("agentops:prompt:triage"));
    QCOMPARE(k.promptActivated(), QByteArray("agentops:prompt-activated"));
    QCOMPARE(Keys(QByteArrayLiteral("t1:")).recoveryEvents(), QByteArray("t1:events"));
    QCOMPARE(Keys::procMember(QStringLiteral("h"), QStringLiteral("a"), 0), QByteArray("h:a:0"));
}

void TstContractParsers::controlCommandChecks()
{
    const RecordFields c = allTypes().at(6).sample;
    auto p = ControlCommand::parse(c);
    QVERIFY(p.isOk());
    QCOMPARE(p.recordId(), QStringLiteral("0b3c1f7e-4d2a-4b8e-9f10-1234567890ab"));
    QCOMPARE(p.value().pmId(), std::nullopt);
    QVERIFY(!p.value().isExpired(kT0 + 1000));
    QVERIFY(p.value().isExpired(kT0 + 60000));
    QCOMPARE(ControlCommand::parse(with(c, "pm_id", "2")).value().pmId(), std::optional<int>(2));
    QCOMPARE(ControlCommand::parse(with(c, "pm_id", "some")).reason(),
             QStringLiteral("field pm_id = 'some' is not an integer or 'all'"));
    QCOMPARE(ControlCommand::parse(with(c, "cmd_id", "42")).reason(),
             QStringLiteral("field cmd_id = '42' is not a UUID"));
    QCOMPARE(ControlCommand::parse(with(c, "expires_at", "1")).reason(),
             QStringLiteral("field expires_at is not after requested_at"));
    QCOMPARE(ControlCommand::parse(with(c, "expires_at", QByteArray::number(kT0))).reason(),
             QStringLiteral("field expires_at is not after requested_at"));
    // Contract v2: at most 5 minutes between request and expiry, and an audit row.
    QVERIFY(ControlCommand::parse(with(c, "expires_at", QByteArray::number(kT0 + 300000))).isOk());
    QCOMPARE(
        ControlCommand::parse(with(c, "expires_at", QByteArray::number(kT0 + 300001))).reason(),
        QStringLiteral("field expires_at is more than 300000 ms after requested_at"));
    QCOMPARE(ControlCommand::parse(without(c, "audit_id")).reason(),
             QStringLiteral("field audit_id is missing"));
    QCOMPARE(ControlCommand::parse(with(c, "audit_id", "")).reason(),
             QStringLiteral("field audit_id is empty"));
    QCOMPARE(p.value().auditId, 1234);
    QCOMPARE(ControlCommand::parse(with(c, "action", "delete")).reason(),
             QStringLiteral("field action = 'delete' is not one of reload|restart"));
}

void TstContractParsers::activationMessage()
{
    ActivePrompt a;
    a.agent = QStringLiteral("triage");
    a.version = 3;
    a.model = QStringLiteral("m");
    a.deploymentId = 9;
    a.deployedAt = kT0;
    const QByteArray msg = a.toActivationMessage();
    const auto p = ActivePrompt::parseActivationMessage(msg);
    QVERIFY2(p.isOk(), qPrintable(p.message()));
    QCOMPARE(p.value().agent, QStringLiteral("triage"));
    QCOMPARE(p.value().toFields(), a.toFields());
    QVERIFY(!ActivePrompt::parseActivationMessage("{\"agent\":\"t\",\"version\":\"x\"").isOk());
    QVERIFY(!ActivePrompt::parseActivationMessage("{\"version\":3}").isOk());
    QCOMPARE(
        ActivePrompt::parseActivationMessage("{\"agent\":\"t\",\"version\":\"three\",\"model\":"
                                             "\"m\",\"deployment_id\":1,\"deployed_at\":1}")
            .message(),
        QStringLiteral("active prompt t: field version = 'three' is not an integer"));
}

void TstContractParsers::compositionTotalsSaturate()
{
    // Each segment may hold up to 2^53 tokens; 2 000 of them overflow a qint64 sum.
    QByteArray json = "{\"limit\":200000,\"segments\":[";
    for (int i = 0; i < 2000; ++i)
        json += QByteArray(i ? "," : "") + "{\"kind\":\"message\",\"tokens\":9007199254740992}";
    json += "]}";
    const auto parsed = ContextComposition::parse(json, QStringLiteral("s1"));
    QVERIFY2(parsed.isOk(), qPrintable(parsed.message()));
    QCOMPARE(parsed.value().totalTokens(), std::numeric_limits<qint64>::max());
    QCOMPARE(parsed.value().tokensOf(SegmentKind::Message), std::numeric_limits<qint64>::max());
}

QTEST_GUILESS_MAIN(TstContractParsers)
#include "tst_contract_parsers.moc"
