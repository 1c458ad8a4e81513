#include "models/SessionProxyModel.h"

#include "models/SessionTableModel.h"

#include <algorithm>

namespace switchboard {

SessionProxyModel::SessionProxyModel(SessionTableModel *source, QObject *parent)
    : QAbstractProxyModel(parent)
    , m_source(source)
    , m_slicer(
          0, [this](const TimeSlicer::Slice &) { return settlePass(); }, this)
{
    QAbstractProxyModel::setSourceModel(source);
    if (!source)
        return;
    connect(source, &QAbstractItemModel::dataChanged, this, &SessionProxyModel::onDataChanged);
    connect(source, &QAbstractItemModel::rowsInserted, this, &SessionProxyModel::onRowsInserted);
    connect(source, &QAbstractItemModel::rowsAboutToBeRemoved, this,
            &SessionProxyModel::onRowsAboutToBeRemoved);
    connect(source, &QAbstractItemModel::rowsRemoved, this, &SessionProxyModel::onRowsRemoved);
    connect(source, &QAbstractItemModel::modelAboutToBeReset, this,
            &SessionProxyModel::beginResetModel);
    connect(source, &QAbstractItemModel::modelReset, this, &SessionProxyModel::onReset);
    // The model never moves rows; a layout change of it is treated as a reset.
    connect(source, &QAbstractItemModel::layoutAboutToBeChanged, this,
            &SessionProxyModel::beginResetModel);
    connect(source, &QAbstractItemModel::layoutChanged, this, &SessionProxyModel::onReset);
    connect(source, &QAbstractItemModel::headerDataChanged, this,
            &QAbstractItemModel::headerDataChanged);
    // One merge of the changed rows per apply() (one slice of a poll), or fewer.
    connect(source, &SessionTableModel::applied, this, &SessionProxyModel::scheduleSettle);
    m_isDirty.fill(false, source->rowCount());
    rebuildKeys();
    for (int r = 0; r < source->rowCount(); ++r) {
        if (accepts(r))
            m_proxyToSource.append(r);
    }
    std::sort(m_proxyToSource.begin(), m_proxyToSource.end(),
              [this](int a, int b) { return before(a, b); });
    rebuildSourceToProxy();
}

void SessionProxyModel::setSettleIntervalMs(int ms)
{
    m_settleIntervalMs = qMax(0, ms);
    m_slicer.setMinIntervalMs(m_settleIntervalMs);
    if (m_settleIntervalMs == 0 && m_slicer.isScheduled())
        settle();
}

void SessionProxyModel::scheduleSettle()
{
    if (m_settleIntervalMs <= 0) {
        settle();
        return;
    }
    if (!m_dirty.isEmpty())
        m_slicer.schedule(); // the interval after the last settle (nothing if one is armed)
}

void SessionProxyModel::setNeedle(const QString &text)
{
    const QString lower = text.trimmed().toLower();
    if (lower == m_needle)
        return;
    m_needle = lower;
    refilterAll();
}

void SessionProxyModel::setAlertsOnly(bool on)
{
    if (on == m_alertsOnly)
        return;
    m_alertsOnly = on;
    refilterAll();
}

void SessionProxyModel::sort(int column, Qt::SortOrder order)
{
    if (column == m_sortColumn && order == m_order)
        return;
    m_sortColumn = column;
    m_order = order;
    refilterAll();
}

bool SessionProxyModel::accepts(int sourceRow) const
{
    if (m_alertsOnly && !m_source->isAlert(sourceRow))
        return false;
    return m_source->rowMatches(sourceRow, m_needle);
}

bool SessionProxyModel::before(int leftSource, int rightSource) const
{
    if (m_sortColumn < 0 || m_sortColumn >= SessionTableModel::ColumnCount)
        return leftSource < rightSource;
    // The numeric key first (a flat vector: no row touched), then lessThan(), which breaks
    // ties by id: a total order, so merging is well defined.
    const double a = m_keys.at(leftSource);
    const double b = m_keys.at(rightSource);
    if (a != b)
        return m_order == Qt::AscendingOrder ? a < b : b < a;
    return m_order == Qt::AscendingOrder
        ? m_source->lessThan(leftSource, rightSource, m_sortColumn)
        : m_source->lessThan(rightSource, leftSource, m_sortColumn);
}

void SessionProxyModel::rebuildKeys()
{
    const int rows = m_source ? m_source->rowCount() : 0;
    m_keys.resize(rows);
    for (int r = 0; r < rows; ++r)
        m_keys[r] = m_source->sortKey(r, m_sortColumn);
}

void SessionProxyModel::rebuildSourceToProxy()
{
    m_sourceToProxy.fill(-1, m_source ? m_source->rowCount() : 0);
    for (int p = 0; p < m_proxyToSource.size(); ++p)
        m_sourceToProxy[m_proxyToSource.at(p)] = p;
}

void SessionProxyModel::removeProxyRows(int first, int last)
{
    // Only the rows from `first` on change place: O(shown rows after it) per range, not a
    // rebuild over every source row (the alert list drops rows in many small ranges per
    // slice while the model holds 100 000).
    for (int p = first; p <= last; ++p)
        m_sourceToProxy[m_proxyToSource.at(p)] = -1;
    m_proxyToSource.remove(first, last - first + 1);
    for (int p = first; p < m_proxyToSource.size(); ++p)
        m_sourceToProxy[m_proxyToSource.at(p)] = p;
}

void SessionProxyModel::refilterAll()
{
    if (!m_source)
        return;
    for (int r = 0; r < m_isDirty.size(); ++r) {
        if (!m_isDirty.at(r)) {
            m_isDirty[r] = true;
            m_dirty.append(r);
        }
    }
    settle();
}

void SessionProxyModel::onDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight)
{
    if (topLeft.parent().isValid())
        return;
    const int first = topLeft.row();
    const int last = qMin(bottomRight.row(), int(m_isDirty.size()) - 1);
    for (int r = first; r <= last; ++r) {
        if (!m_isDirty.at(r)) {
            m_isDirty[r] = true;
            m_dirty.append(r);
        }
    }
    if (first == 0 && last == int(m_isDirty.size()) - 1) {
        if (!m_proxyToSource.isEmpty()) // everything (settings changed): one signal
            Q_EMIT dataChanged(index(0, topLeft.column()),
                               index(int(m_proxyToSource.size()) - 1, bottomRight.column()));
        return;
    }
    for (int r = first; r <= last; ++r) {
        const int p = m_sourceToProxy.at(r);
        if (p >= 0) // where it is now; it moves at the next settle()
            Q_EMIT dataChanged(index(p, topLeft.column()), index(p, bottomRight.column()));
    }
}

void SessionProxyModel::onRowsInserted(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid())
        return;
    const int n = last - first + 1;
    for (int &s : m_proxyToSource)
        s += s >= first ? n : 0;
    for (int &s : m_dirty)
        s += s >= first ? n : 0;
    m_isDirty.insert(first, n, false);
    m_keys.insert(first, n, 0.0); // set when they are settled (they are dirty)
    rebuildSourceToProxy();
    // Accepted new rows come in at the end at once and are sorted in at the next settle()
    // or, with a settle interval, come in with it: the first poll of 100 000 sessions
    // then costs a few inserts and repaints, not one per slice (each repaint ~6 ms).
    QVector<int> accepted;
    for (int r = first; r <= last; ++r) {
        m_isDirty[r] = true;
        m_dirty.append(r);
        if (m_settleIntervalMs <= 0 && accepts(r))
            accepted.append(r);
    }
    if (accepted.isEmpty())
        return;
    const int at = int(m_proxyToSource.size());
    beginInsertRows({}, at, at + int(accepted.size()) - 1);
    m_proxyToSource += accepted;
    for (int i = 0; i < accepted.size(); ++i)
        m_sourceToProxy[accepted.at(i)] = at + i;
    endInsertRows();
}

void SessionProxyModel::onRowsAboutToBeRemoved(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid())
        return;
    m_sourceChanging = true; // until rowsRemoved: settle() must not run in between
    // Rows on their way out are no longer "changed": a settle would list them again.
    QVector<int> dirty;
    dirty.reserve(m_dirty.size());
    for (int s : std::as_const(m_dirty)) {
        if (s >= first && s <= last)
            m_isDirty[s] = false;
        else
            dirty.append(s);
    }
    m_dirty = std::move(dirty);
    QVector<int> rows;
    for (int r = first; r <= last && r < m_sourceToProxy.size(); ++r) {
        if (m_sourceToProxy.at(r) >= 0)
            rows.append(m_sourceToProxy.at(r));
    }
    std::sort(rows.begin(), rows.end());
    // Highest proxy range first, so the lower rows keep their numbers while we go.
    qsizetype i = rows.size() - 1;
    while (i >= 0) {
        const int lastRow = rows.at(i);
        int firstRow = lastRow;
        while (i > 0 && rows.at(i - 1) == firstRow - 1)
            firstRow = rows.at(--i);
        --i;
        beginRemoveRows({}, firstRow, lastRow);
        removeProxyRows(firstRow, lastRow);
        endRemoveRows();
    }
}

void SessionProxyModel::onRowsRemoved(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid())
        return;
    m_sourceChanging = false;
    const int n = last - first + 1;
    for (int &s : m_proxyToSource)
        s -= s > last ? n : 0;
    QVector<int> dirty;
    dirty.reserve(m_dirty.size());
    for (int s : std::as_const(m_dirty)) {
        if (s < first)
            dirty.append(s);
        else if (s > last)
            dirty.append(s - n);
    }
    m_dirty = std::move(dirty);
    m_isDirty.remove(first, qMin(n, int(m_isDirty.size()) - first));
    m_keys.remove(first, qMin(n, int(m_keys.size()) - first));
    rebuildSourceToProxy();
}

void SessionProxyModel::onReset()
{
    m_dirty.clear();
    m_isDirty.fill(false, m_source->rowCount());
    rebuildKeys();
    m_proxyToSource.clear();
    for (int r = 0; r < m_source->rowCount(); ++r) {
        if (accepts(r))
            m_proxyToSource.append(r);
    }
    std::sort(m_proxyToSource.begin(), m_proxyToSource.end(),
              [this](int a, int b) { return before(a, b); });
    rebuildSourceToProxy();
    endResetModel();
}

void SessionProxyModel::settle()
{
    m_settleAll = true; // every changed row, even if this pass must wait (mid-removal)
    m_slicer.runNow(); // a deferred settle is disarmed
}

bool SessionProxyModel::settlePass()
{
    if (m_sourceChanging) // called from a slot of the source's removal: right after it
        return true;
    // Paced (the app's view): a pass settles at most setSettleRowsPerPass() changed rows and
    // the rest follow in the next passes, so the first poll of 100 000 sessions is many
    // short passes (sort and merge of a few thousand rows) instead of one of ~10 ms.
    // Unpaced, and for a filter or sort change: everything now.
    const bool all = m_settleAll || m_settleIntervalMs <= 0;
    merge(all ? 0 : m_settleRowsPerPass);
    if (m_dirty.isEmpty())
        m_settleAll = false;
    return !m_dirty.isEmpty();
}

void SessionProxyModel::merge(qsizetype cap)
{
    if (m_dirty.isEmpty())
        return;
    // Only rows not listed yet may wait for a later pass (the first poll's new rows): a
    // listed row that changed is placed in this one, since the rows it is merged among
    // must be in order by what the comparison sees now (ties are broken on the current
    // values, not on the cached keys).
    QVector<int> later;
    if (cap > 0 && m_dirty.size() > cap) {
        QVector<int> now;
        now.reserve(cap);
        for (int s : std::as_const(m_dirty)) {
            if (m_sourceToProxy.at(s) >= 0 || now.size() < cap)
                now.append(s);
            else
                later.append(s);
        }
        m_dirty = std::move(now);
        for (int s : std::as_const(later))
            m_isDirty[s] = false;
    }
    for (int s : std::as_const(m_dirty)) // their place is decided on their new values
        m_keys[s] = m_source->sortKey(s, m_sortColumn);
    // 1. Changed rows that left the filter go, those that entered it come in at the end.
    QVector<int> leaving;
    QVector<int> entering;
    for (int s : std::as_const(m_dirty)) {
        const bool in = m_sourceToProxy.at(s) >= 0;
        const bool accepted = accepts(s);
        if (in && !accepted)
            leaving.append(m_sourceToProxy.at(s));
        else if (!in && accepted)
            entering.append(s);
    }
    std::sort(leaving.begin(), leaving.end());
    int ranges = 0;
    for (qsizetype i = 0; i < leaving.size(); ++i)
        ranges += i == 0 || leaving.at(i - 1) != leaving.at(i) - 1 ? 1 : 0;
    // Many ranges leaving: one layout change below instead of a removal per range. A
    // QTableView's vertical header walks every section on each removal
    // (QHeaderViewPrivate::updateHiddenSections): at 100 000 rows that was ~0.4 ms per
    // range, and the alert list loses rows in dozens of ranges per slice.
    const bool oneLayout = ranges > kRemovalRangesPerSettle;
    if (!oneLayout && !leaving.isEmpty()) {
        qsizetype i = leaving.size() - 1;
        while (i >= 0) {
            const int last = leaving.at(i);
            int first = last;
            while (i > 0 && leaving.at(i - 1) == first - 1)
                first = leaving.at(--i);
            --i;
            beginRemoveRows({}, first, last);
            removeProxyRows(first, last); // before endRemoveRows: its slots may map rows
            endRemoveRows();
        }
    }
    if (!oneLayout && !entering.isEmpty()) {
        const int at = int(m_proxyToSource.size());
        beginInsertRows({}, at, at + int(entering.size()) - 1);
        m_proxyToSource += entering;
        for (int i = 0; i < entering.size(); ++i)
            m_sourceToProxy[entering.at(i)] = at + i;
        endInsertRows();
    }
    // 2. The changed rows still shown are sorted among themselves and merged back into
    // the unchanged ones (still in order): O(rows + changed log changed).
    QVector<int> keep;
    QVector<int> moved;
    keep.reserve(m_proxyToSource.size());
    for (int s : std::as_const(m_proxyToSource)) {
        if (!m_isDirty.at(s))
            keep.append(s);
        else if (!oneLayout || accepts(s)) // in one layout the leaving rows are still here
            moved.append(s);
    }
    if (oneLayout)
        moved += entering;
    for (int s : std::as_const(m_dirty))
        m_isDirty[s] = false;
    m_dirty = std::move(later);
    for (int s : std::as_const(m_dirty))
        m_isDirty[s] = true;
    if (moved.isEmpty() && !oneLayout) {
        if (m_dirty.isEmpty())
            Q_EMIT settled();
        return;
    }
    const auto less = [this](int a, int b) {
        return before(a, b);
    };
    std::sort(moved.begin(), moved.end(), less);
    // Each moved row is placed by binary search in the rest, which is copied in blocks:
    // O(changed x log rows) comparisons instead of one per row.
    QVector<int> order;
    order.reserve(m_proxyToSource.size());
    auto from = keep.cbegin();
    for (int s : std::as_const(moved)) {
        const auto at = std::lower_bound(from, keep.cend(), s, less);
        order.append(from, at);
        order.append(s);
        from = at;
    }
    order.append(from, keep.cend());
    // Rows that left are not in `order`: relayout() turns their persistent indexes
    // (selection, current row) invalid, as a removal would.
    if (oneLayout || order != m_proxyToSource)
        relayout(std::move(order), oneLayout);
    if (m_dirty.isEmpty())
        Q_EMIT settled();
}

void SessionProxyModel::relayout(QVector<int> order, bool rowsLeft)
{
    // Rows leaving is no sort: no hint then (views re-read the row count).
    const auto hint
        = rowsLeft ? QAbstractItemModel::NoLayoutChangeHint : QAbstractItemModel::VerticalSortHint;
    Q_EMIT layoutAboutToBeChanged({}, hint);
    const QModelIndexList from = persistentIndexList();
    QVector<int> fromSource;
    fromSource.reserve(from.size());
    for (const QModelIndex &i : from)
        fromSource.append(m_proxyToSource.at(i.row()));
    m_proxyToSource = std::move(order);
    rebuildSourceToProxy();
    QModelIndexList to;
    to.reserve(from.size());
    for (qsizetype i = 0; i < from.size(); ++i)
        to.append(index(m_sourceToProxy.at(fromSource.at(i)), from.at(i).column()));
    changePersistentIndexList(from, to);
    ++m_reorders;
    Q_EMIT layoutChanged({}, hint);
}

QModelIndex SessionProxyModel::index(int row, int column, const QModelIndex &parent) const
{
    if (parent.isValid() || row < 0 || row >= m_proxyToSource.size() || column < 0
        || column >= columnCount())
        return {};
    return createIndex(row, column);
}

QModelIndex SessionProxyModel::parent(const QModelIndex &) const
{
    return {};
}

int SessionProxyModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_proxyToSource.size());
}

int SessionProxyModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_source ? 0 : m_source->columnCount();
}

bool SessionProxyModel::hasChildren(const QModelIndex &parent) const
{
    return !parent.isValid() && rowCount() > 0 && columnCount() > 0;
}

QModelIndex SessionProxyModel::sibling(int row, int column, const QModelIndex &) const
{
    return index(row, column);
}

QModelIndex SessionProxyModel::mapToSource(const QModelIndex &proxyIndex) const
{
    if (!proxyIndex.isValid() || proxyIndex.model() != this
        || proxyIndex.row() >= m_proxyToSource.size())
        return {};
    return m_source->index(m_proxyToSource.at(proxyIndex.row()), proxyIndex.column());
}

QModelIndex SessionProxyModel::mapFromSource(const QModelIndex &sourceIndex) const
{
    if (!sourceIndex.isValid() || sourceIndex.row() >= m_sourceToProxy.size())
        return {};
    const int p = m_sourceToProxy.at(sourceIndex.row());
    return p < 0 ? QModelIndex() : createIndex(p, sourceIndex.column());
}

} // namespace switchboard
