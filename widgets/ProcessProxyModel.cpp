#include "widgets/ProcessProxyModel.h"

#include "models/ProcessTreeModel.h"
#include "widgets/StatusGlyph.h"

#include <QApplication>
#include <QFontDatabase>
#include <QPalette>

namespace switchboard {

ProcessProxyModel::ProcessProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setRecursiveFilteringEnabled(true);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
    setSortRole(ProcessTreeModel::SortRole);
    setDynamicSortFilter(true);
}

bool ProcessProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QString text = filterRegularExpression().pattern();
    if (text.isEmpty())
        return true;
    const QAbstractItemModel *m = sourceModel();
    for (int c : {int(ProcessTreeModel::Name), int(ProcessTreeModel::Status),
                  int(ProcessTreeModel::Version)}) {
        if (m->index(sourceRow, c, sourceParent)
                .data()
                .toString()
                .contains(text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

QVariant ProcessProxyModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const int column = index.column();
    if (role == Qt::DecorationRole && column == ProcessTreeModel::Status) {
        const int kind
            = QSortFilterProxyModel::data(index, ProcessTreeModel::StatusKindRole).toInt();
        return statusIcon(StatusKind(kind));
    }
    if (role == Qt::ForegroundRole) {
        const QPalette pal = QApplication::palette();
        if (QSortFilterProxyModel::data(index, ProcessTreeModel::SilentRole).toBool())
            return pal.color(QPalette::Disabled, QPalette::Text);
        if (column == ProcessTreeModel::Status) {
            const int kind
                = QSortFilterProxyModel::data(index, ProcessTreeModel::StatusKindRole).toInt();
            return statusColor(StatusKind(kind), pal);
        }
        return {};
    }
    if (role == Qt::FontRole
        && (column == ProcessTreeModel::Pid || column == ProcessTreeModel::Version)) {
        // Asked per cell per paint; the platform theme's answer does not change meanwhile.
        if (!m_fixedFont)
            m_fixedFont = QFontDatabase::systemFont(QFontDatabase::FixedFont);
        return *m_fixedFont;
    }
    return QSortFilterProxyModel::data(index, role);
}

} // namespace switchboard
