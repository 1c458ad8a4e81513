#include "models/SessionProxyModel.h"

#include "models/SessionTableModel.h"

namespace switchboard {

SessionProxyModel::SessionProxyModel(SessionTableModel *source, QObject *parent)
    : QSortFilterProxyModel(parent)
    , m_source(source)
{
    setSourceModel(source);
    setDynamicSortFilter(true);
}

void SessionProxyModel::setNeedle(const QString &text)
{
    const QString lower = text.trimmed().toLower();
    if (lower == m_needle)
        return;
    m_needle = lower;
    invalidateRowsFilter();
}

void SessionProxyModel::setAlertsOnly(bool on)
{
    if (on == m_alertsOnly)
        return;
    m_alertsOnly = on;
    invalidateRowsFilter();
}

bool SessionProxyModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    return m_source->lessThan(left.row(), right.row(), left.column());
}

bool SessionProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    if (m_alertsOnly && !m_source->isAlert(sourceRow))
        return false;
    return m_source->rowMatches(sourceRow, m_needle);
}

} // namespace switchboard
