// Every record parser of core/contract on untrusted field lists (docs/contract.md).
//
// Input: a header line naming the record, then one field per line:
//   span/pg            the record ("process", "session", "event", "process_event",
//   span_id=sp-9       "command", "result", "active_prompt", "activation", "prompt_version",
//   parent_id          "deployment", "operator_action", "span", "session_summary"), with
//   ...                "/pg" for a Postgres row (a line without '=' is NULL) or "/odd" for a
//                      Redis reply with a dangling name. "activation": the rest is the
//                      `N prompt-activated` message. An unknown header picks a record by
//                      its first byte, so every input parses something.
// Invariants (what a reader relies on): a parse never throws; a bad record has a reason
// and a message "<kind> <id>: <reason>" with short reasons (values quoted, not copied); a
// good record written back with toFields() (Redis form) parses again to the same fields;
// its Postgres form parses too, except timestamps past the years the parser reads.
#include "FuzzSupport.h"
#include "core/contract/ActivePrompt.h"
#include "core/contract/ControlCommand.h"
#include "core/contract/ControlResult.h"
#include "core/contract/OperatorAction.h"
#include "core/contract/ProcessEvent.h"
#include "core/contract/ProcessRecord.h"
#include "core/contract/PromptDeployment.h"
#include "core/contract/PromptVersion.h"
#include "core/contract/RecoveryEvent.h"
#include "core/contract/SessionRecord.h"
#include "core/contract/SessionSummary.h"
#include "core/contract/Span.h"

#include <cmath>

using namespace switchboard;
using switchboard::fuzz::bytes;

namespace {

using Target = FieldWriter::Target;

// A reason quotes at most 40 bytes of a value (escaped: up to 4 characters a byte), plus
// the field name, the allowed enum values or a JSON parser's message (cut at 120).
constexpr qsizetype kMaxReason = 600;

QString dump(const RecordFields &f)
{
    QString out;
    for (const auto &[name, value] : f.entries())
        out += QString::fromUtf8(name) + QLatin1Char('=')
            + (value ? QString::fromUtf8(value->left(80)) : QStringLiteral("NULL"))
            + QLatin1Char('\n');
    return out;
}

template<class R> void checkMessage(const Parsed<R> &p, const QString &context)
{
    if (p.isOk()) {
        FUZZ_CHECK(p.message().isEmpty(), context);
        FUZZ_CHECK(p.errors().isEmpty(), context);
        return;
    }
    FUZZ_CHECK(!p.errors().isEmpty(), context);
    FUZZ_CHECK(p.message().startsWith(QString::fromLatin1(R::kKind) + QLatin1Char(' ')
                                      + p.recordId() + QStringLiteral(": ")),
               p.message());
    for (const QString &e : p.errors()) {
        FUZZ_CHECK(!e.isEmpty(), context);
        FUZZ_CHECK(e.size() <= kMaxReason, QStringLiteral("%1 characters: ").arg(e.size()) + e);
    }
}

// What views compute from a good record.
template<class R> void derived(const R &) { }
void derived(const SessionRecord &s)
{
    const double fill = s.fillRatio();
    FUZZ_CHECK(std::isfinite(fill) && fill >= 0, QString::number(fill));
}
void derived(const ControlCommand &c)
{
    const std::optional<int> pm = c.pmId();
    FUZZ_CHECK(pm.has_value() == (c.pmIdText != QLatin1String("all")), c.pmIdText);
    FUZZ_CHECK(!pm || *pm >= 0, c.pmIdText);
}

template<class R> void roundTrip(const Parsed<R> &p, const QString &context)
{
    checkMessage(p, context);
    if (!p.isOk())
        return;
    derived(p.value());
    const RecordFields redis = p.value().toFields(Target::Redis);
    const Parsed<R> again = R::parse(redis, p.recordId());
    FUZZ_CHECK(again.isOk(), again.message() + QStringLiteral("\nfrom\n") + dump(redis));
    const RecordFields twice = again.value().toFields(Target::Redis);
    FUZZ_CHECK(twice == redis, dump(redis) + QStringLiteral("\nbecame\n") + dump(twice));

    const RecordFields pg = p.value().toFields(Target::Postgres);
    const Parsed<R> fromPg = R::parse(pg, p.recordId());
    checkMessage(fromPg, dump(pg));
    for (const QString &e : fromPg.errors())
        FUZZ_CHECK(e.contains(QLatin1String("is not a timestamp")),
                   e + QLatin1Char('\n') + dump(pg));
}

template<class R> void run(const RecordFields &fields)
{
    roundTrip(R::parse(fields), dump(fields));
}

void activation(const QByteArray &message)
{
    const Parsed<ActivePrompt> p = ActivePrompt::parseActivationMessage(message);
    checkMessage(p, QString::fromUtf8(message.left(200)));
    if (!p.isOk())
        return;
    FUZZ_CHECK(!p.value().agent.isEmpty(), QString::fromUtf8(message.left(200)));
    const QByteArray again = p.value().toActivationMessage();
    const Parsed<ActivePrompt> q = ActivePrompt::parseActivationMessage(again);
    FUZZ_CHECK(q.isOk(), q.message() + QStringLiteral("\nfrom ") + QString::fromUtf8(again));
    FUZZ_CHECK(q.value().agent == p.value().agent, QString::fromUtf8(again));
    FUZZ_CHECK(q.value().toFields() == p.value().toFields(), QString::fromUtf8(again));
    roundTrip(p, QString::fromUtf8(message.left(200)));
}

struct Kind
{
    const char *name;
    void (*parse)(const RecordFields &);
};

const Kind kKinds[] = {
    {"process", run<ProcessRecord>},
    {"session", run<SessionRecord>},
    {"event", run<RecoveryEvent>},
    {"process_event", run<ProcessEvent>},
    {"command", run<ControlCommand>},
    {"result", run<ControlResult>},
    {"active_prompt", run<ActivePrompt>},
    {"activation", nullptr},
    {"prompt_version", run<PromptVersion>},
    {"deployment", run<PromptDeployment>},
    {"operator_action", run<OperatorAction>},
    {"span", run<Span>},
    {"session_summary", run<SessionSummary>},
};
constexpr int kKindCount = int(sizeof kKinds / sizeof kKinds[0]);

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    QByteArray header, body;
    fuzz::splitHeader(bytes(data, size), &header, &body);
    const QList<QByteArray> flags = header.split('/');
    const bool pg = flags.contains("pg");
    const bool odd = flags.contains("odd");
    int kind = -1;
    for (int i = 0; i < kKindCount; ++i)
        if (flags.first() == kKinds[i].name)
            kind = i;
    if (kind < 0)
        kind = int(uchar(data[0])) % kKindCount;

    if (!kKinds[kind].parse) {
        activation(body);
        return 0;
    }
    RecordFields fields;
    if (pg) {
        // A Postgres row as text: a column may be NULL.
        for (const QByteArray &line : body.split('\n')) {
            const qsizetype eq = line.indexOf('=');
            if (eq < 0)
                fields.setNull(line);
            else
                fields.set(line.left(eq), line.mid(eq + 1));
        }
    } else {
        // HGETALL / a stream entry: a flat name, value, ... list.
        QList<QByteArray> flat;
        for (const QByteArray &line : body.split('\n')) {
            const qsizetype eq = line.indexOf('=');
            flat << (eq < 0 ? line : line.left(eq)) << (eq < 0 ? QByteArray() : line.mid(eq + 1));
        }
        if (odd)
            flat << QByteArrayLiteral("dangling");
        fields = RecordFields::fromFlatList(flat);
    }
    kKinds[kind].parse(fields);
    return 0;
}
