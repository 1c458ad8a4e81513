#pragma once
// Between ProcessTreeModel and the tree view: filter (a row stays when it or any
// descendant matches, so a matching instance keeps its host/layer/app), numeric sorting
// by SortRole, and the presentation the model leaves to widgets: status icon and colour
// (shape and colour, never colour alone), silent rows greyed.
#include <QFont>
#include <QSortFilterProxyModel>

#include <optional>

namespace switchboard {

class ProcessProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit ProcessProxyModel(QObject *parent = nullptr);
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    mutable std::optional<QFont> m_fixedFont;
};

} // namespace switchboard
