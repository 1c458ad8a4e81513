#include "widgets/ProcessTreeView.h"

namespace switchboard {

ProcessTreeView::ProcessTreeView(QWidget *parent)
    : QTreeView(parent)
{ }

bool ProcessTreeView::isLaidOut(const QModelIndex &index) const
{
    for (QModelIndex p = index.parent(); p.isValid(); p = p.parent()) {
        if (!isExpanded(p))
            return false;
    }
    return true;
}

void ProcessTreeView::dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                                  const QList<int> &roles)
{
    // Nothing to update for rows nobody sees: no height to refresh (uniform row heights),
    // no rect to repaint, no editor. Expanding lays them out from the model afresh.
    if (topLeft.isValid() && !isLaidOut(topLeft))
        return;
    QTreeView::dataChanged(topLeft, bottomRight, roles);
}

} // namespace switchboard
