#pragma once
// The processes view's tree. A 10 000-process fleet starts collapsed (hosts only), yet
// every merged heartbeat wave signals dataChanged for layers and apps below collapsed
// hosts. QTreeView answers each such signal by looking the hidden rows up in its laid-out
// items (a linear scan of every visible row per index, rows x columns per range: perf,
// bench_procs) to find nothing to repaint. Rows under a collapsed row are skipped here.
#include <QTreeView>

namespace switchboard {

class ProcessTreeView : public QTreeView
{
public:
    explicit ProcessTreeView(QWidget *parent = nullptr);

    // False when a row above index is collapsed: nothing of it is laid out or painted.
    bool isLaidOut(const QModelIndex &index) const;

protected:
    void dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                     const QList<int> &roles = QList<int>()) override;
};

} // namespace switchboard
