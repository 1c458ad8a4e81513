// The JSON fields agents write: span `attrs` (jsonb, cap 1 MiB), `detail` and `params`
// (FieldReader::json / parseJson, nesting deeper than 64 refused), and span payloads the
// trace inspector shows as a tree (PayloadLoader::checkJson).
// Invariants: nothing throws; parseJson agrees with nlohmann's own parser except that it
// refuses exactly the documents nested deeper than 64 levels or holding a NUL byte (where
// nlohmann stops reading), with a short reason; a span
// whose other columns are good is good exactly when its attrs are; a payload that looks
// like JSON is either parsed or carries the reason.
#include "FuzzSupport.h"
#include "core/contract/FieldReader.h"
#include "core/contract/Span.h"
#include "core/services/PayloadLoader.h"

#include <vector>

using namespace switchboard;
using nlohmann::json;

namespace {

// Levels of arrays/objects (a scalar is 0), without recursion.
int depthOf(const json &root)
{
    int deepest = 0;
    std::vector<std::pair<const json *, int>> todo {{&root, 0}};
    while (!todo.empty()) {
        const auto [j, d] = todo.back();
        todo.pop_back();
        if (!j->is_structured())
            continue;
        deepest = std::max(deepest, d + 1);
        for (const json &child : *j)
            todo.emplace_back(&child, d + 1);
    }
    return deepest;
}

RecordFields goodSpan()
{
    RecordFields f;
    f.set("span_id", "sp-1");
    f.set("trace_id", "tr-1");
    f.setNull("parent_id");
    f.set("session_id", "s-1");
    f.set("turn", "0");
    f.set("kind", "llm");
    f.set("name", "chat m");
    f.set("agent", "triage");
    f.set("started_at", "2026-11-26 23:29:27.123+00");
    f.set("duration_ms", "812.25");
    f.set("status", "ok");
    f.set("path", "20261126T232927123Zsp-1");
    f.set("depth", "0");
    return f;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text = fuzz::bytes(data, size);

    json parsed;
    QString error;
    const bool ok = FieldReader::parseJson(text, &parsed, &error);
    const json reference = json::parse(text.constBegin(), text.constEnd(), nullptr, false);
    if (ok) {
        FUZZ_CHECK(error.isEmpty(), error);
        FUZZ_CHECK(!reference.is_discarded(), QString::fromUtf8(text.left(200)));
        FUZZ_CHECK(depthOf(parsed) <= 64, QString::number(depthOf(parsed)));
        FUZZ_CHECK(parsed == reference, QString::fromUtf8(text.left(200)));
    } else {
        FUZZ_CHECK(!error.isEmpty() && error.size() <= 200, error);
        // (nlohmann's parser stops at a NUL byte; parseJson refuses one.)
        FUZZ_CHECK(reference.is_discarded() || depthOf(reference) > 64 || text.contains('\0'),
                   error + QLatin1Char('\n') + QString::fromUtf8(text.left(200)));
    }

    // The same text as a span's attrs.
    RecordFields span = goodSpan();
    span.set("attrs", text);
    const Parsed<Span> p = Span::parse(span);
    const bool attrsOk = text.isEmpty() || ok; // an empty optional column means "not set"
    FUZZ_CHECK(p.isOk() == attrsOk, p.message());
    if (!p.isOk())
        FUZZ_CHECK(p.reason().startsWith(QStringLiteral("field attrs ")), p.message());
    else if (!text.isEmpty())
        FUZZ_CHECK(p.value().attrs == parsed, QString());

    // And as a payload the inspector opens (whole: head == everything).
    PayloadText payload;
    payload.head = QString::fromUtf8(text);
    payload.totalChars = payload.head.size();
    PayloadLoader::checkJson(payload);
    FUZZ_CHECK(!(payload.json && !payload.jsonError.isEmpty()), payload.jsonError);
    if (payload.json) // shown as a tree and as text
        (void)payload.json->dump(2, ' ', false, json::error_handler_t::replace);
    return 0;
}
