#pragma once
// This session's reloads / restarts and where each stands: one line per action, updated
// in place from ControlChannel::progress until its final state.
#include "core/services/ControlRequest.h"

#include <QHash>
#include <QWidget>

class QTreeWidget;
class QTreeWidgetItem;

namespace switchboard {

class ActionsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ActionsPanel(QWidget *parent = nullptr);
    void showProgress(const ControlProgress &progress);
    int actionCount() const { return int(m_items.size()); }

private:
    QTreeWidget *m_list;
    QHash<int, QTreeWidgetItem *> m_items;
};

} // namespace switchboard
