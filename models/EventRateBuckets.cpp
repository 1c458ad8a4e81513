#include "models/EventRateBuckets.h"

namespace switchboard {

void EventRateBuckets::add(const EventRow &row)
{
    if (row.type != EventRow::Type::Event || row.event.at <= 0)
        return;
    const qint64 minute = minuteOf(row.event.at);
    // Only the newest keepMinutes minutes are kept: an event far older than those (a
    // writer with a wrong clock) is not allowed to push real data out.
    if (!m_minutes.isEmpty() && minute < m_minutes.lastKey() - qint64(m_keepMinutes) * 60000)
        return;
    Counts &counts = m_minutes[minute];
    const int kind = int(row.event.kind);
    if (kind >= 0 && kind < kRecoveryKindCount)
        ++counts[size_t(kind)];
    const qint64 oldest = m_minutes.lastKey() - qint64(m_keepMinutes - 1) * 60000;
    while (!m_minutes.isEmpty() && m_minutes.firstKey() < oldest)
        m_minutes.erase(m_minutes.begin());
}

} // namespace switchboard
