// The context composition `N session:{id}:ctx` (ContextComposition::parse): JSON text an
// agent wrote, up to 8 MiB, parsed on the GUI thread when a session is selected.
// Invariants: never throws; a bad value has a reason; a good one has non-negative counts
// that a double holds exactly, sums the stack bar can draw (the total is at least every
// segment and the per-kind sums add up to it), and survives toBytes() -> parse().
#include "FuzzSupport.h"
#include "core/contract/ContextComposition.h"

using namespace switchboard;

namespace {
constexpr qint64 kExact = qint64(1) << 53;
constexpr SegmentKind kKinds[] = {SegmentKind::System, SegmentKind::Summary, SegmentKind::Message,
                                  SegmentKind::ToolResult, SegmentKind::Retrieval};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray json = fuzz::bytes(data, size);
    const QString sid = QStringLiteral("s-fuzz");
    const Parsed<ContextComposition> p = ContextComposition::parse(json, sid);
    if (!p.isOk()) {
        FUZZ_CHECK(p.message().startsWith(QStringLiteral("context s-fuzz: ")), p.message());
        for (const QString &e : p.errors())
            FUZZ_CHECK(!e.isEmpty() && e.size() <= 600, e);
        return 0;
    }
    const ContextComposition &c = p.value();
    FUZZ_CHECK(c.sessionId == sid, c.sessionId);
    FUZZ_CHECK(c.limit >= 0 && c.limit <= kExact, QString::number(c.limit));
    FUZZ_CHECK(c.updatedAt >= 0 && c.updatedAt <= kExact, QString::number(c.updatedAt));
    const qint64 total = c.totalTokens();
    for (const ContextSegment &s : c.segments) {
        FUZZ_CHECK(s.tokens >= 0 && s.tokens <= kExact, QString::number(s.tokens));
        FUZZ_CHECK(total >= s.tokens,
                   QStringLiteral("total %1 < segment %2").arg(total).arg(s.tokens));
    }
    qint64 byKind = 0;
    bool saturated = false;
    for (const SegmentKind k : kKinds) {
        const qint64 n = c.tokensOf(k);
        FUZZ_CHECK(n >= 0 && n <= total, QString::number(n));
        saturated |= __builtin_add_overflow(byKind, n, &byKind);
    }
    FUZZ_CHECK(saturated || byKind == total,
               QStringLiteral("kinds sum to %1, total %2").arg(byKind).arg(total));

    const QByteArray bytes = c.toBytes();
    const Parsed<ContextComposition> again = ContextComposition::parse(bytes, sid);
    FUZZ_CHECK(again.isOk(),
               again.message() + QLatin1Char('\n') + QString::fromUtf8(bytes.left(400)));
    FUZZ_CHECK(again.value().toBytes() == bytes, QString::fromUtf8(bytes.left(400)));
    FUZZ_CHECK(again.value().segments.size() == c.segments.size(), QString());
    return 0;
}
