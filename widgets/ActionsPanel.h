#pragma once
// This session's reloads / restarts and where each stands: one line per action, updated
// in place from ControlChannel::progress until its final state (and after it, when the
// bridge's late final report replaces "no answer"). Shows who acted as the server knows it.
#include "core/services/ProcessActionRequest.h"

#include <QHash>
#include <QWidget>

class QTreeWidget;
class QTreeWidgetItem;

namespace switchboard {

class ActionsPanel : public QWidget
{
    Q_OBJECT
public:
    enum Column {
        TimeColumn,
        ActionColumn,
        ByColumn, // "alice (db: ops_alice)"
        StateColumn,
        ElapsedColumn,
        ColumnCount,
        // Not a column: the line under each action with the bridge's / PM2's / the
        // database's words (a rejected command's reason), spanning the panel's width.
        MessageColumn = ColumnCount
    };

    explicit ActionsPanel(QWidget *parent = nullptr);
    void showProgress(const ControlProgress &progress);
    int actionCount() const { return int(m_items.size()); }
    // The text shown for an action in a column (tests, screenshots); empty if unknown.
    QString text(int actionId, Column column) const;

private:
    QTreeWidget *m_list;
    QHash<int, QTreeWidgetItem *> m_items;
};

} // namespace switchboard
