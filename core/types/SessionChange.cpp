#include "core/types/SessionChange.h"

#include "core/contract/RecordFields.h"

#include <utility>

namespace switchboard {

SessionChange SessionChange::parse(QByteArray id, const QList<QByteArray> &fields, QString error)
{
    auto parsed = SessionRecord::parse(RecordFields::fromFlatList(fields), QString::fromUtf8(id));
    SessionChange change;
    change.id = std::move(id);
    change.bad = !parsed.isOk() || !error.isEmpty();
    if (!error.isEmpty())
        change.badReason = std::move(error);
    else if (change.bad)
        change.badReason = parsed.errors().join(QLatin1Char('\n'));
    change.record = std::move(parsed.value());
    return change;
}

} // namespace switchboard
