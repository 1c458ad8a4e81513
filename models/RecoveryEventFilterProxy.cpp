#include "models/RecoveryEventFilterProxy.h"

#include "models/RecoveryEventTableModel.h"

#include <algorithm>
#include <numeric>

namespace switchboard {

RecoveryEventFilterProxy::RecoveryEventFilterProxy(QObject *parent)
    : QAbstractProxyModel(parent)
{ }

bool RecoveryEventFilterProxy::hasFilter() const
{
    return m_kind || m_outcome != OutcomeFilter::Any || !m_agent.isEmpty() || !m_session.isEmpty()
        || !m_text.isEmpty();
}

void RecoveryEventFilterProxy::refilter()
{
    beginResetModel();
    rebuild();
    endResetModel();
}

void RecoveryEventFilterProxy::setKind(std::optional<RecoveryKind> kind)
{
    if (kind == m_kind)
        return;
    m_kind = kind;
    refilter();
}

void RecoveryEventFilterProxy::setOutcome(OutcomeFilter outcome)
{
    if (outcome == m_outcome)
        return;
    m_outcome = outcome;
    refilter();
}

void RecoveryEventFilterProxy::setAgent(const QString &agent)
{
    if (agent.trimmed() == m_agent)
        return;
    m_agent = agent.trimmed();
    refilter();
}

void RecoveryEventFilterProxy::setSession(const QString &sessionId)
{
    if (sessionId.trimmed() == m_session)
        return;
    m_session = sessionId.trimmed();
    refilter();
}

void RecoveryEventFilterProxy::setText(const QString &text)
{
    if (text.trimmed() == m_text)
        return;
    m_text = text.trimmed();
    refilter();
}

void RecoveryEventFilterProxy::setSourceModel(QAbstractItemModel *source)
{
    if (source == sourceModel())
        return;
    beginResetModel();
    for (const auto &c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    QAbstractProxyModel::setSourceModel(source);
    m_table = qobject_cast<const RecoveryEventTableModel *>(source);
    m_base = 0;
    m_resetting = m_identityInserting = m_identityRemoving = false;
    if (source)
        connectSource(source);
    rebuild();
    endResetModel();
}

void RecoveryEventFilterProxy::connectSource(QAbstractItemModel *source)
{
    using M = QAbstractItemModel;
    using P = RecoveryEventFilterProxy;
    m_connections << connect(source, &M::rowsAboutToBeInserted, this, &P::onAboutToBeInserted)
                  << connect(source, &M::rowsInserted, this, &P::onInserted)
                  << connect(source, &M::rowsAboutToBeRemoved, this, &P::onAboutToBeRemoved)
                  << connect(source, &M::rowsRemoved, this, &P::onRemoved)
                  << connect(source, &M::dataChanged, this, &P::onDataChanged)
                  << connect(source, &M::modelAboutToBeReset, this, &P::beginFallbackReset)
                  << connect(source, &M::modelReset, this, &P::endFallbackReset)
                  << connect(source, &M::layoutAboutToBeChanged, this, &P::beginFallbackReset)
                  << connect(source, &M::layoutChanged, this, &P::endFallbackReset);
}

void RecoveryEventFilterProxy::beginFallbackReset()
{
    if (m_resetting)
        return;
    m_resetting = true;
    beginResetModel();
}

void RecoveryEventFilterProxy::endFallbackReset()
{
    if (!m_resetting)
        return;
    m_resetting = false;
    rebuild();
    endResetModel();
}

void RecoveryEventFilterProxy::rebuild()
{
    m_proxyOfValid = false;
    m_rows.clear();
    m_identity = !hasFilter() && m_sortColumn < 0;
    if (m_identity || !sourceModel())
        return;
    const int n = sourceModel()->rowCount();
    for (int r = 0; r < n; ++r) {
        if (filterAcceptsRow(r))
            m_rows.push_back(m_base + r);
    }
    if (m_sortColumn < 0)
        return;
    // Keys once per row, not twice per comparison.
    std::vector<QVariant> keys;
    keys.reserve(m_rows.size());
    for (const qint64 abs : m_rows)
        keys.push_back(sourceModel()
                           ->index(int(abs - m_base), m_sortColumn)
                           .data(RecoveryEventTableModel::SortRole));
    std::vector<size_t> order(m_rows.size());
    std::iota(order.begin(), order.end(), size_t(0));
    const bool ascending = m_sortOrder == Qt::AscendingOrder;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const QPartialOrdering o = QVariant::compare(keys[a], keys[b]);
        return ascending ? o == QPartialOrdering::Less : o == QPartialOrdering::Greater;
    });
    std::vector<qint64> sorted;
    sorted.reserve(m_rows.size());
    for (const size_t i : order)
        sorted.push_back(m_rows[i]);
    m_rows.swap(sorted);
}

bool RecoveryEventFilterProxy::lessThan(qint64 a, qint64 b) const
{
    const auto key = [this](qint64 abs) {
        return sourceModel()
            ->index(int(abs - m_base), m_sortColumn)
            .data(RecoveryEventTableModel::SortRole);
    };
    const QPartialOrdering o = QVariant::compare(key(a), key(b));
    if (o == QPartialOrdering::Less)
        return m_sortOrder == Qt::AscendingOrder;
    if (o == QPartialOrdering::Greater)
        return m_sortOrder == Qt::DescendingOrder;
    return a < b; // ties in arrival order, as the stable sort leaves them
}

void RecoveryEventFilterProxy::sort(int column, Qt::SortOrder order)
{
    if (column < 0)
        order = Qt::AscendingOrder;
    if (column == m_sortColumn && order == m_sortOrder)
        return;
    emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList from = persistentIndexList();
    std::vector<qint64> abs;
    abs.reserve(size_t(from.size()));
    for (const QModelIndex &p : from)
        abs.push_back(m_identity ? m_base + p.row() : m_rows[size_t(p.row())]);
    m_sortColumn = column;
    m_sortOrder = order;
    rebuild();
    QModelIndexList to;
    to.reserve(from.size());
    for (qsizetype i = 0; i < from.size(); ++i) {
        const int row = proxyRowOf(abs[size_t(i)]);
        to << (row < 0 ? QModelIndex() : index(row, from[i].column()));
    }
    changePersistentIndexList(from, to);
    emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

int RecoveryEventFilterProxy::proxyRowOf(qint64 abs) const
{
    if (!sourceModel())
        return -1;
    const int n = sourceModel()->rowCount();
    if (abs < m_base || abs >= m_base + n)
        return -1;
    if (m_identity)
        return int(abs - m_base);
    if (m_sortColumn < 0) {
        const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), abs);
        return it != m_rows.end() && *it == abs ? int(it - m_rows.begin()) : -1;
    }
    if (!m_proxyOfValid) {
        m_proxyOf.assign(size_t(n), -1);
        for (size_t p = 0; p < m_rows.size(); ++p) {
            const qint64 r = m_rows[p] - m_base;
            if (r >= 0 && r < n)
                m_proxyOf[size_t(r)] = int(p);
        }
        m_proxyOfValid = true;
    }
    return m_proxyOf[size_t(abs - m_base)];
}

void RecoveryEventFilterProxy::onAboutToBeInserted(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid() || m_resetting)
        return;
    if (m_identity) {
        m_identityInserting = true;
        beginInsertRows(QModelIndex(), first, last);
    } else if (first != sourceModel()->rowCount()) {
        beginFallbackReset(); // only appends are mapped in place
    }
}

void RecoveryEventFilterProxy::onInserted(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid())
        return;
    if (m_identityInserting) {
        m_identityInserting = false;
        endInsertRows();
        return;
    }
    if (m_resetting) {
        endFallbackReset();
        return;
    }
    // An append: filter only the new rows.
    std::vector<qint64> added;
    for (int r = first; r <= last; ++r) {
        if (filterAcceptsRow(r))
            added.push_back(m_base + r);
    }
    if (added.empty())
        return;
    m_proxyOfValid = false;
    if (m_sortColumn < 0) {
        const int at = int(m_rows.size());
        beginInsertRows(QModelIndex(), at, at + int(added.size()) - 1);
        m_rows.insert(m_rows.end(), added.begin(), added.end());
        endInsertRows();
        return;
    }
    // Sorted: each run of new rows that lands between the same two listed rows is one
    // insert, done from the last position back so the earlier positions stay valid.
    const auto less = [this](qint64 a, qint64 b) {
        return lessThan(a, b);
    };
    std::stable_sort(added.begin(), added.end(), less);
    std::vector<size_t> at(added.size());
    for (size_t i = 0; i < added.size(); ++i)
        at[i] = size_t(std::upper_bound(m_rows.begin(), m_rows.end(), added[i], less)
                       - m_rows.begin());
    size_t end = added.size();
    while (end > 0) {
        size_t begin = end - 1;
        while (begin > 0 && at[begin - 1] == at[end - 1])
            --begin;
        const int pos = int(at[begin]);
        beginInsertRows(QModelIndex(), pos, pos + int(end - begin) - 1);
        m_rows.insert(m_rows.begin() + qsizetype(pos), added.begin() + qsizetype(begin),
                      added.begin() + qsizetype(end));
        endInsertRows();
        end = begin;
    }
}

void RecoveryEventFilterProxy::onAboutToBeRemoved(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid() || m_resetting)
        return;
    if (m_identity) {
        m_identityRemoving = true;
        beginRemoveRows(QModelIndex(), first, last);
        return;
    }
    if (first != 0) {
        beginFallbackReset(); // only front evictions are mapped in place
        return;
    }
    // Done now, while the source still holds the rows: our remaining rows map to the
    // same source rows until onRemoved() moves the base.
    const qint64 hi = m_base + last;
    m_proxyOfValid = false;
    if (m_sortColumn < 0) {
        const int count = int(std::upper_bound(m_rows.begin(), m_rows.end(), hi) - m_rows.begin());
        if (count > 0) {
            beginRemoveRows(QModelIndex(), 0, count - 1);
            m_rows.erase(m_rows.begin(), m_rows.begin() + count);
            endRemoveRows();
        }
        return;
    }
    int end = int(m_rows.size());
    while (end > 0) {
        if (m_rows[size_t(end - 1)] > hi) {
            --end;
            continue;
        }
        int begin = end - 1;
        while (begin > 0 && m_rows[size_t(begin - 1)] <= hi)
            --begin;
        beginRemoveRows(QModelIndex(), begin, end - 1);
        m_rows.erase(m_rows.begin() + begin, m_rows.begin() + end);
        endRemoveRows();
        end = begin;
    }
}

void RecoveryEventFilterProxy::onRemoved(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid())
        return;
    if (first == 0)
        m_base += last - first + 1;
    if (m_identityRemoving) {
        m_identityRemoving = false;
        endRemoveRows();
        return;
    }
    if (m_resetting)
        endFallbackReset();
}

void RecoveryEventFilterProxy::onDataChanged(const QModelIndex &topLeft,
                                             const QModelIndex &bottomRight,
                                             const QList<int> &roles)
{
    if (topLeft.parent().isValid() || m_resetting || rowCount() == 0)
        return;
    int lo = 0;
    int hi = rowCount() - 1;
    if (m_identity) {
        lo = topLeft.row();
        hi = bottomRight.row();
    } else if (m_sortColumn < 0) {
        lo = int(std::lower_bound(m_rows.begin(), m_rows.end(), m_base + topLeft.row())
                 - m_rows.begin());
        hi = int(std::upper_bound(m_rows.begin(), m_rows.end(), m_base + bottomRight.row())
                 - m_rows.begin())
            - 1;
    }
    // (Sorted: the whole column range; the rows' filter fields never change in place.)
    if (lo <= hi)
        emit dataChanged(index(lo, topLeft.column()), index(hi, bottomRight.column()), roles);
}

QModelIndex RecoveryEventFilterProxy::index(int row, int column, const QModelIndex &parent) const
{
    if (parent.isValid() || row < 0 || column < 0 || row >= rowCount() || column >= columnCount())
        return {};
    return createIndex(row, column);
}

QModelIndex RecoveryEventFilterProxy::parent(const QModelIndex &) const
{
    return {};
}

int RecoveryEventFilterProxy::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() || !sourceModel())
        return 0;
    return m_identity ? sourceModel()->rowCount() : int(m_rows.size());
}

int RecoveryEventFilterProxy::columnCount(const QModelIndex &parent) const
{
    if (parent.isValid() || !sourceModel())
        return 0;
    return sourceModel()->columnCount();
}

bool RecoveryEventFilterProxy::hasChildren(const QModelIndex &parent) const
{
    return !parent.isValid() && rowCount() > 0;
}

QModelIndex RecoveryEventFilterProxy::sibling(int row, int column, const QModelIndex &) const
{
    return index(row, column);
}

QModelIndex RecoveryEventFilterProxy::mapToSource(const QModelIndex &proxyIndex) const
{
    if (!proxyIndex.isValid() || !sourceModel() || proxyIndex.model() != this)
        return {};
    const int row = m_identity ? proxyIndex.row() : int(m_rows[size_t(proxyIndex.row())] - m_base);
    return sourceModel()->index(row, proxyIndex.column());
}

QModelIndex RecoveryEventFilterProxy::mapFromSource(const QModelIndex &sourceIndex) const
{
    if (!sourceIndex.isValid() || sourceIndex.model() != sourceModel())
        return {};
    const int row = proxyRowOf(m_base + sourceIndex.row());
    return row < 0 ? QModelIndex() : index(row, sourceIndex.column());
}

bool RecoveryEventFilterProxy::filterAcceptsRow(int sourceRow) const
{
    if (!m_table)
        return true;
    const RecoveryEventRow &row = m_table->rowAt(sourceRow);
    if (row.type == RecoveryEventRow::Type::Gap)
        return true;
    const RecoveryEvent &e = row.event;
    const bool bad = row.type == RecoveryEventRow::Type::Bad;
    if (!m_agent.isEmpty() && e.agent != m_agent)
        return false;
    if (!m_session.isEmpty() && e.sessionId != m_session)
        return false;
    if (m_kind && (bad || e.kind != *m_kind))
        return false;
    switch (m_outcome) {
    case OutcomeFilter::Any:
        break;
    case OutcomeFilter::Bad:
        if (!bad)
            return false;
        break;
    case OutcomeFilter::Unrecoverable:
        if (bad || e.recoverable)
            return false;
        break;
    case OutcomeFilter::Recovered:
    case OutcomeFilter::Failed:
    case OutcomeFilter::InProgress: {
        const RecoveryOutcome want = m_outcome == OutcomeFilter::Recovered
            ? RecoveryOutcome::Recovered
            : m_outcome == OutcomeFilter::Failed ? RecoveryOutcome::Failed
                                                 : RecoveryOutcome::InProgress;
        if (bad || e.outcome != want)
            return false;
        break;
    }
    }
    if (m_text.isEmpty())
        return true;
    const auto has = [this](const QString &s) {
        return s.contains(m_text, Qt::CaseInsensitive);
    };
    return has(e.agent) || has(e.sessionId) || has(e.message) || has(enumToText(e.kind))
        || (bad && has(row.problem));
}

} // namespace switchboard
