#pragma once
// Events per minute by kind, for the rate chart: exact counts for the last N minutes,
// fed with every event the tail (or a history page) sees, not just what the buffer holds.
#include "core/types/RecoveryEventRow.h"

#include <QMap>

#include <array>

namespace switchboard {

class RecoveryEventRateBuckets
{
public:
    using Counts = std::array<qint64, kRecoveryKindCount>;

    explicit RecoveryEventRateBuckets(int keepMinutes = 60)
        : m_keepMinutes(keepMinutes)
    { }

    void add(const RecoveryEventRow &row);
    // Adds another set of counts (a batch counted on the tail's worker thread).
    void merge(const RecoveryEventRateBuckets &other);
    void clear() { m_minutes.clear(); }
    void setKeepMinutes(int minutes) { m_keepMinutes = qMax(1, minutes); }
    // Key: minute start in ms since epoch.
    const QMap<qint64, Counts> &minutes() const { return m_minutes; }
    bool isEmpty() const { return m_minutes.isEmpty(); }
    static qint64 minuteOf(qint64 ms) { return ms - (ms % 60000); }

private:
    void addCounts(qint64 minute, const Counts &add);

    QMap<qint64, Counts> m_minutes;
    int m_keepMinutes;
};

} // namespace switchboard
