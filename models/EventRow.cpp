#include "models/EventRow.h"

namespace switchboard {

EventRow EventRow::fromParsed(Parsed<RecoveryEvent> parsed)
{
    EventRow row;
    row.type = parsed.isOk() ? Type::Event : Type::Bad;
    row.problem = parsed.isOk() ? QString() : parsed.errors().join(QLatin1Char('\n'));
    if (!parsed.isOk())
        row.problem.prepend(parsed.kind() + QLatin1Char(' ') + parsed.recordId()
                            + QStringLiteral(": "));
    row.event = std::move(parsed.value());
    row.event.detail = nullptr;
    return row;
}

EventRow EventRow::gap(qint64 at, const QString &problem, qint64 missing)
{
    EventRow row;
    row.type = Type::Gap;
    row.event.at = at;
    row.problem = problem;
    row.missing = missing;
    return row;
}

void EventCounters::count(const EventRow &row)
{
    if (row.type == EventRow::Type::Gap) {
        ++gaps;
        if (row.missing > 0)
            missing += row.missing;
        return;
    }
    ++total;
    if (row.type == EventRow::Type::Bad) {
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

void EventCounters::add(const EventCounters &o)
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
