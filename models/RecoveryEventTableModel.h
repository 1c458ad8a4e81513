#pragma once
// The recovery events as a table: a bounded buffer of the newest rows (oldest evicted
// first) with exact counters over everything ever added. Rows handed in are queued and
// inserted with one beginInsertRows per event-loop pass, however many arrive, so a burst
// of thousands of stream entries costs the view one update. Display text is built in
// data(), never stored.
#include "core/types/RecoveryEventRow.h"
#include "core/types/RecoveryEventSink.h"
#include "core/util/TimeSlicer.h"
#include "models/RecoveryEventRowRing.h"

#include <QAbstractTableModel>

#include <vector>

namespace switchboard {

// The tail and the history (core/services) hand it their parsed rows as a RecoveryEventSink.
class RecoveryEventTableModel : public QAbstractTableModel, public RecoveryEventSink
{
    Q_OBJECT
public:
    enum Column {
        Time,
        Agent,
        Session,
        Kind,
        Recoverable,
        Strategy,
        Outcome,
        Attempt,
        Message,
        ColumnCount
    };
    enum Role {
        RowTypeRole = Qt::UserRole + 1, // int(RecoveryEventRow::Type)
        SortRole, // raw value for sorting: ms, attempt, text
        KindRole, // int(RecoveryKind)
        OutcomeRole, // int(RecoveryOutcome)
        RecoverableRole, // bool
        AgentRole,
        SessionRole,
        AtRole, // ms since epoch
    };

    explicit RecoveryEventTableModel(int capacity = 100000, QObject *parent = nullptr);

    // Queued; inserted at the end of this event-loop pass (or by flush()).
    void append(RecoveryEventRow row);
    void append(std::vector<RecoveryEventRow> rows);
    // Rows already counted elsewhere (the tail's worker counts every row it read, also
    // those it had to skip): `counted` is added to the counters as it is.
    void append(std::vector<RecoveryEventRow> rows, const RecoveryEventCounters &counted);
    void flush();
    void clear(); // rows and counters (e.g. a new history range)
    void setCapacity(int capacity);
    int capacity() const override { return m_capacity; }
    // Relative ("12 s ago", the live tail) or absolute times (history).
    void setRelativeTimes(bool relative);
    int pendingCount() const { return int(m_pendingCount); }
    // At most one insert per this many ms (0 = every event-loop pass). A view on screen
    // sets one frame (16 ms): a stream delivering a reply every few ms then costs one
    // insert and one repaint per frame instead of one per reply.
    void setMinFlushIntervalMs(int ms) { m_slicer.setMinIntervalMs(ms); }
    // At most this many rows per insert (0 = all pending); the rest follow in the next
    // event-loop pass without waiting for the interval. Bounds the GUI thread's work per pass.
    void setMaxRowsPerFlush(int rows) { m_maxPerFlush = qMax(0, rows); }
    // Makes the row buffer's memory resident now (in the background) rather than page by
    // page on the GUI thread while it fills for the first time. For the live tail's
    // buffer (100 000 rows, ~27 MB), not for a history buffer sized for a million.
    void makeBufferResident() { m_rows.populateAhead(); }

    // Counted when queued, so exact even for rows that never fit in the buffer.
    const RecoveryEventCounters &counters() const { return m_counters; }
    const RecoveryEventRow &rowAt(int row) const { return m_rows.at(size_t(row)); }
    // Rows that were queued but never listed: more arrived between two flushes than the
    // buffer holds (counted, and part of counters().evicted). Gap rows are always listed.
    qint64 neverListed() const override { return m_neverListed; }

    // RecoveryEventSink: a tail batch (counted by the tail), a history page, a new range.
    void applyBatch(TailBatch batch) override { append(std::move(batch.rows), batch.counters); }
    void applyPage(std::vector<RecoveryEventRow> rows) override
    {
        append(std::move(rows));
        flush();
    }
    void clearRows() override { clear(); }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    static QString outcomeText(const RecoveryEvent &event); // "✓ recovered", …
    static QString relativeTime(qint64 atMs, qint64 nowMs); // "12 s ago"

Q_SIGNALS:
    // Once per flush, after the rows are in: how many went in and how many were evicted.
    void flushed(int inserted, int evicted);

private:
    QVariant display(const RecoveryEventRow &row, int column) const;
    QVariant sortValue(const RecoveryEventRow &row, int column) const;
    QString toolTip(const RecoveryEventRow &row, int column) const;

    RecoveryEventRowRing m_rows;
    std::vector<std::vector<RecoveryEventRow>> m_pending; // batches, oldest first
    size_t m_pendingCount = 0;
    size_t m_pendingFront = 0; // rows of m_pending.front() already inserted
    int m_maxPerFlush = 0;
    RecoveryEventCounters m_counters;
    void queue(std::vector<RecoveryEventRow> rows);
    void scheduleFlush();
    bool flushPass(); // one insert; true: rows are left for the next pass

    TimeSlicer m_slicer; // a flush once the current pass is done, paced by the interval
    qint64 m_neverListed = 0;
    int m_capacity;
    bool m_relative = true;
};

} // namespace switchboard
