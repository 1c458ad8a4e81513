#include "models/RecoveryEventTableModel.h"

#include "core/contract/Enums.h"
#include "models/PaletteColor.h"
#include "models/UntrustedText.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QFontDatabase>

#include <iterator>

namespace switchboard {

namespace {
const char *const kHeaders[] = {"Time",     "Agent",   "Session", "Kind",   "Recoverable",
                                "Strategy", "Outcome", "Attempt", "Message"};
} // namespace

RecoveryEventTableModel::RecoveryEventTableModel(int capacity, QObject *parent)
    : QAbstractTableModel(parent)
    , m_rows(size_t(qMax(1, capacity)))
    , m_slicer(
          0, [this](const TimeSlicer::Slice &) { return flushPass(); }, this)
    , m_capacity(qMax(1, capacity))
{ }

void RecoveryEventTableModel::append(RecoveryEventRow row)
{
    m_counters.count(row);
    if (m_pending.empty())
        m_pending.emplace_back();
    m_pending.back().push_back(std::move(row));
    ++m_pendingCount;
    scheduleFlush();
}

void RecoveryEventTableModel::append(std::vector<RecoveryEventRow> rows)
{
    for (const RecoveryEventRow &row : rows)
        m_counters.count(row);
    queue(std::move(rows));
}

void RecoveryEventTableModel::append(std::vector<RecoveryEventRow> rows,
                                     const RecoveryEventCounters &counted)
{
    m_counters.add(counted);
    queue(std::move(rows));
}

// Batches stay as they came until the insert: the tail hands one over every pass while
// inserts are paced (33 ms on screen), and appending them to one list moved (and, as it
// grew, relocated) every row again.
void RecoveryEventTableModel::queue(std::vector<RecoveryEventRow> rows)
{
    if (rows.empty())
        return;
    m_pendingCount += rows.size();
    m_pending.push_back(std::move(rows));
    scheduleFlush();
}

void RecoveryEventTableModel::scheduleFlush()
{
    m_slicer.schedule(); // paced: the next pass at least the interval after the last
}

void RecoveryEventTableModel::flush()
{
    if (m_pending.empty()) {
        m_slicer.cancel();
        return;
    }
    m_slicer.runNow();
}

bool RecoveryEventTableModel::flushPass()
{
    if (m_pending.empty())
        return false;
    // More queued than the buffer holds: the oldest never get listed (they are counted),
    // except gap rows: the marker that events are missing must show.
    qint64 skip = 0;
    if (m_pendingCount > size_t(m_capacity)) { // rare: one list to trim across batches
        std::vector<RecoveryEventRow> all;
        all.reserve(m_pendingCount);
        for (std::vector<RecoveryEventRow> &batch : m_pending) {
            std::move(batch.begin() + qsizetype(m_pendingFront), batch.end(),
                      std::back_inserter(all));
            m_pendingFront = 0;
        }
        skip = trimOldestKeepingGaps(all, size_t(m_capacity));
        m_pending.clear();
        m_pendingCount = all.size();
        m_pending.push_back(std::move(all));
    }
    // At most m_maxPerFlush rows per pass (the rest in the next pass, unpaced): one insert
    // of thousands of rows plus the repaint after it was the GUI thread's largest chunk.
    size_t take = m_pendingCount;
    if (m_maxPerFlush > 0)
        take = qMin(take, size_t(m_maxPerFlush));
    const int incoming = int(take);
    const int evict = qMax(0, int(m_rows.size()) + incoming - m_capacity);
    if (evict > 0) {
        beginRemoveRows(QModelIndex(), 0, evict - 1);
        m_rows.popFront(size_t(evict));
        endRemoveRows();
    }
    m_counters.evicted += qint64(evict) + skip;
    m_neverListed += skip;
    const int first = int(m_rows.size());
    beginInsertRows(QModelIndex(), first, first + incoming - 1);
    size_t batches = 0;
    while (take > 0) {
        std::vector<RecoveryEventRow> &batch = m_pending[batches];
        const size_t n = qMin(take, batch.size() - m_pendingFront);
        for (size_t i = m_pendingFront; i < m_pendingFront + n; ++i)
            m_rows.pushBack(std::move(batch[i]));
        take -= n;
        m_pendingCount -= n;
        m_pendingFront += n;
        if (m_pendingFront == batch.size()) {
            ++batches;
            m_pendingFront = 0;
        }
    }
    m_pending.erase(m_pending.begin(), m_pending.begin() + qsizetype(batches));
    endInsertRows();
    emit flushed(incoming, evict);
    return m_pendingCount > 0; // the rest in the next pass, unpaced
}

void RecoveryEventTableModel::clear()
{
    m_slicer.cancel();
    m_pending.clear();
    m_pendingCount = 0;
    m_pendingFront = 0;
    m_counters = RecoveryEventCounters();
    if (m_rows.empty())
        return;
    beginRemoveRows(QModelIndex(), 0, int(m_rows.size()) - 1);
    m_rows.clear();
    endRemoveRows();
}

void RecoveryEventTableModel::setCapacity(int capacity)
{
    m_capacity = qMax(1, capacity);
    const int evict = int(m_rows.size()) - m_capacity;
    if (evict > 0) {
        beginRemoveRows(QModelIndex(), 0, evict - 1);
        m_rows.popFront(size_t(evict));
        endRemoveRows();
        m_counters.evicted += evict;
    }
    m_rows.setCapacity(size_t(m_capacity));
}

void RecoveryEventTableModel::setRelativeTimes(bool relative)
{
    m_relative = relative;
    if (!m_rows.empty())
        emit dataChanged(index(0, Time), index(int(m_rows.size()) - 1, Time), {Qt::DisplayRole});
}

int RecoveryEventTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RecoveryEventTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RecoveryEventTableModel::outcomeText(const RecoveryEvent &event)
{
    // A glyph as well as the word: distinguishable without colour.
    if (!event.recoverable)
        return QStringLiteral("⚠ unrecoverable");
    switch (event.outcome) {
    case RecoveryOutcome::Recovered:
        return QStringLiteral("✓ recovered");
    case RecoveryOutcome::Failed:
        return QStringLiteral("✗ failed");
    case RecoveryOutcome::InProgress:
        return QStringLiteral("… in progress");
    }
    return {};
}

QString RecoveryEventTableModel::relativeTime(qint64 atMs, qint64 nowMs)
{
    const qint64 s = qMax<qint64>(0, (nowMs - atMs) / 1000);
    if (s < 60)
        return QStringLiteral("%1 s ago").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min ago").arg(s / 60);
    if (s < 86400)
        return QStringLiteral("%1 h ago").arg(s / 3600);
    return QStringLiteral("%1 d ago").arg(s / 86400);
}

QVariant RecoveryEventTableModel::display(const RecoveryEventRow &row, int column) const
{
    const RecoveryEvent &e = row.event;
    if (column == Time) {
        if (m_relative)
            return relativeTime(e.at, QDateTime::currentMSecsSinceEpoch());
        return QDateTime::fromMSecsSinceEpoch(e.at).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    }
    if (row.type == RecoveryEventRow::Type::Gap) {
        if (column == Kind)
            return QStringLiteral("⋯ gap");
        if (column == Message)
            return untrusted::line(row.problem);
        return {};
    }
    switch (column) {
    case Agent:
        return untrusted::line(e.agent);
    case Session:
        return untrusted::line(e.sessionId);
    case Kind:
        return row.type == RecoveryEventRow::Type::Bad ? QStringLiteral("⊘ bad record")
                                                       : enumToText(e.kind);
    case Recoverable:
        return row.type == RecoveryEventRow::Type::Bad
            ? QString()
            : (e.recoverable ? QStringLiteral("yes") : QStringLiteral("⚠ no"));
    case Strategy:
        return row.type == RecoveryEventRow::Type::Bad ? QString() : enumToText(e.strategy);
    case Outcome:
        return row.type == RecoveryEventRow::Type::Bad ? QString() : outcomeText(e);
    case Attempt:
        return row.type == RecoveryEventRow::Type::Bad ? QString() : QString::number(e.attempt);
    case Message:
        return untrusted::line(row.type == RecoveryEventRow::Type::Bad
                                   ? row.problem.section(QLatin1Char('\n'), 0, 0)
                                   : e.message);
    default:
        return {};
    }
}

QVariant RecoveryEventTableModel::sortValue(const RecoveryEventRow &row, int column) const
{
    const RecoveryEvent &e = row.event;
    switch (column) {
    case Time:
        return e.at;
    case Attempt:
        return e.attempt;
    case Recoverable:
        return e.recoverable;
    default:
        return display(row, column);
    }
}

QString RecoveryEventTableModel::toolTip(const RecoveryEventRow &row, int column) const
{
    const QString when = QDateTime::fromMSecsSinceEpoch(row.event.at)
                             .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz t"));
    if (row.type != RecoveryEventRow::Type::Event)
        return when + QLatin1Char('\n') + row.problem;
    if (column == Time)
        return when;
    if (column == Message)
        return row.event.message.left(RecoveryEventRow::kMaxMessageChars);
    if (column == Session && !row.event.traceId.isEmpty())
        return QStringLiteral("trace %1").arg(row.event.traceId);
    return {};
}

QVariant RecoveryEventTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const RecoveryEventRow &row = m_rows.at(size_t(index.row()));
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return display(row, column);
    case Qt::ToolTipRole:
        return untrusted::toolTip(toolTip(row, column));
    case Qt::TextAlignmentRole:
        if (column == Attempt)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::FontRole:
        if (column == Session)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        return {};
    case Qt::ForegroundRole:
        // Colour only reinforces the glyphs above.
        if (row.type == RecoveryEventRow::Type::Bad)
            return QBrush(errorText());
        if (row.type == RecoveryEventRow::Type::Gap)
            return QBrush(warningText());
        if (column == Outcome) {
            if (!row.event.recoverable || row.event.outcome == RecoveryOutcome::Failed)
                return QBrush(errorText());
            if (row.event.outcome == RecoveryOutcome::Recovered)
                return QBrush(okText());
        }
        return {};
    case RowTypeRole:
        return int(row.type);
    case SortRole:
        return sortValue(row, column);
    case KindRole:
        return int(row.event.kind);
    case OutcomeRole:
        return int(row.event.outcome);
    case RecoverableRole:
        return row.event.recoverable;
    case AgentRole:
        return row.event.agent;
    case SessionRole:
        return row.event.sessionId;
    case AtRole:
        return row.event.at;
    default:
        return {};
    }
}

QVariant RecoveryEventTableModel::headerData(int section, Qt::Orientation orientation,
                                             int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::DisplayRole)
        return QString::fromLatin1(kHeaders[section]);
    if (role == Qt::TextAlignmentRole && section == Attempt)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

} // namespace switchboard
