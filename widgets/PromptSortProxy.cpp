#include "widgets/PromptSortProxy.h"

#include "models/PromptFormat.h"
#include "widgets/StatusGlyph.h"

#include <QApplication>

namespace switchboard {

namespace {
std::optional<StatusKind> kindOf(const QVariant &status)
{
    if (!status.isValid())
        return std::nullopt;
    switch (PromptRowStatus(status.toInt())) {
    case PromptRowStatus::Ok:
        return StatusKind::Ok;
    case PromptRowStatus::Warning:
        return StatusKind::Warning;
    case PromptRowStatus::Error:
        return StatusKind::Error;
    case PromptRowStatus::Idle:
        return StatusKind::Idle;
    case PromptRowStatus::None:
        break;
    }
    return std::nullopt;
}
} // namespace

PromptSortProxy::PromptSortProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(promptroles::SortKey);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
}

QVariant PromptSortProxy::data(const QModelIndex &index, int role) const
{
    if (role == Qt::DecorationRole || role == Qt::ForegroundRole) {
        const auto kind = kindOf(QSortFilterProxyModel::data(index, promptroles::Status));
        if (!kind)
            return QSortFilterProxyModel::data(index, role);
        if (role == Qt::DecorationRole)
            return statusIcon(*kind);
        if (*kind == StatusKind::Error || *kind == StatusKind::Warning)
            return statusColor(*kind, QApplication::palette());
        return {};
    }
    return QSortFilterProxyModel::data(index, role);
}

void PromptSortProxy::setFilterText(const QString &text)
{
    m_text = text.trimmed();
    invalidateFilter();
}

bool PromptSortProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QString &needle = m_text;
    if (needle.isEmpty())
        return true;
    const QAbstractItemModel *m = sourceModel();
    for (int c = 0; c < m->columnCount(sourceParent); ++c)
        if (m->index(sourceRow, c, sourceParent)
                .data()
                .toString()
                .contains(needle, Qt::CaseInsensitive))
            return true;
    return false;
}

} // namespace switchboard
