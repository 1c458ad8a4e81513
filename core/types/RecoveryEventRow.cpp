#include "core/types/RecoveryEventRow.h"

#include <algorithm>

namespace switchboard {

RecoveryEventRow RecoveryEventRow::fromParsed(Parsed<RecoveryEvent> parsed)
{
    RecoveryEventRow row;
    row.type = parsed.isOk() ? Type::Event : Type::Bad;
    row.problem = parsed.isOk() ? QString() : parsed.errors().join(QLatin1Char('\n'));
    if (!parsed.isOk())
        row.problem.prepend(parsed.kind() + QLatin1Char(' ') + parsed.recordId()
                            + QStringLiteral(": "));
    row.event = std::move(parsed.value());
    row.event.detail = nullptr;
    if (row.event.message.size() > kMaxMessageChars) {
        row.event.message.truncate(kMaxMessageChars);
        row.event.message.squeeze(); // truncate() keeps the allocation
    }
    return row;
}

RecoveryEventRow RecoveryEventRow::gap(qint64 at, const QString &problem, qint64 missing)
{
    RecoveryEventRow row;
    row.type = Type::Gap;
    row.event.at = at;
    row.problem = problem;
    row.missing = missing;
    return row;
}

RecoveryEventRow RecoveryEventRow::unreadable(const QByteArray &streamId, const QString &reason)
{
    RecoveryEventRow row;
    row.type = Type::Bad;
    row.event.streamId = QString::fromLatin1(streamId);
    row.event.at = streamId.left(streamId.indexOf('-')).toLongLong(); // placed by its ID
    row.problem = QStringLiteral("event ") + row.event.streamId + QStringLiteral(": ") + reason;
    return row;
}

qint64 trimOldestKeepingGaps(std::vector<RecoveryEventRow> &rows, size_t capacity)
{
    if (rows.size() <= capacity)
        return 0;
    size_t gaps = 0;
    for (const RecoveryEventRow &row : rows)
        gaps += row.type == RecoveryEventRow::Type::Gap ? 1 : 0;
    const size_t keepGaps = std::min(gaps, capacity);
    const size_t keepOthers = capacity - keepGaps;
    // Decided newest first, compacted oldest first (order kept).
    std::vector<bool> keep(rows.size());
    size_t gapsSeen = 0, othersSeen = 0;
    for (size_t i = rows.size(); i-- > 0;) {
        if (rows[i].type == RecoveryEventRow::Type::Gap)
            keep[i] = gapsSeen++ < keepGaps;
        else
            keep[i] = othersSeen++ < keepOthers;
    }
    size_t w = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
        if (!keep[i])
            continue;
        if (w != i)
            rows[w] = std::move(rows[i]);
        ++w;
    }
    const qint64 dropped = qint64(rows.size() - w);
    rows.erase(rows.begin() + qsizetype(w), rows.end());
    return dropped;
}

void RecoveryEventCounters::count(const RecoveryEventRow &row)
{
    if (row.type == RecoveryEventRow::Type::Gap) {
        ++gaps;
        if (row.missing > 0)
            missing += row.missing;
        return;
    }
    ++total;
    if (row.type == RecoveryEventRow::Type::Bad) {
        ++bad;
        return;
    }
    const int kind = int(row.event.kind);
    if (kind >= 0 && kind < kRecoveryKindCount)
        ++byKind[size_t(kind)];
    const int outcome = int(row.event.outcome);
    if (outcome >= 0 && outcome < kRecoveryOutcomeCount)
        ++byOutcome[size_t(outcome)];
    if (!row.event.recoverable)
        ++unrecoverable;
}

void RecoveryEventCounters::add(const RecoveryEventCounters &o)
{
    total += o.total;
    bad += o.bad;
    unrecoverable += o.unrecoverable;
    gaps += o.gaps;
    missing += o.missing;
    evicted += o.evicted;
    for (size_t i = 0; i < byKind.size(); ++i)
        byKind[i] += o.byKind[i];
    for (size_t i = 0; i < byOutcome.size(); ++i)
        byOutcome[i] += o.byOutcome[i];
}

} // namespace switchboard
