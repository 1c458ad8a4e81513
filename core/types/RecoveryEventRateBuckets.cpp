#include "core/types/RecoveryEventRateBuckets.h"

namespace switchboard {

void RecoveryEventRateBuckets::add(const RecoveryEventRow &row)
{
    if (row.type != RecoveryEventRow::Type::Event || row.event.at <= 0)
        return;
    Counts one {};
    const int kind = int(row.event.kind);
    if (kind >= 0 && kind < kRecoveryKindCount)
        one[size_t(kind)] = 1;
    addCounts(minuteOf(row.event.at), one);
}

void RecoveryEventRateBuckets::merge(const RecoveryEventRateBuckets &other)
{
    for (auto it = other.m_minutes.cbegin(); it != other.m_minutes.cend(); ++it)
        addCounts(it.key(), it.value());
}

void RecoveryEventRateBuckets::addCounts(qint64 minute, const Counts &add)
{
    // Only the newest keepMinutes minutes are kept: an event far older than those (a
    // writer with a wrong clock) is not allowed to push real data out.
    if (!m_minutes.isEmpty() && minute < m_minutes.lastKey() - qint64(m_keepMinutes) * 60000)
        return;
    Counts &counts = m_minutes[minute];
    for (size_t k = 0; k < counts.size(); ++k)
        counts[k] += add[k];
    const qint64 oldest = m_minutes.lastKey() - qint64(m_keepMinutes - 1) * 60000;
    while (!m_minutes.isEmpty() && m_minutes.firstKey() < oldest)
        m_minutes.erase(m_minutes.begin());
}

} // namespace switchboard
