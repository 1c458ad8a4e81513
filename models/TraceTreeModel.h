#pragma once
// The span tree of one session over an immutable TraceSnapshot. Everything a cell needs
// was computed when the snapshot was built (links, row numbers, subtree totals, the
// waterfall window), so data() is a lookup: no recursion and no query while painting.
#include "core/services/TraceSnapshot.h"

#include <QAbstractItemModel>

namespace switchboard {

class TraceTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column {
        Name,
        Kind,
        Status,
        Start,
        Duration,
        Waterfall,
        InputTokens,
        OutputTokens,
        CacheRead,
        CacheWrite,
        Ttft,
        SubtreeTokens,
        Errors,
        ColumnCount
    };
    enum Role {
        NodeRole = Qt::UserRole + 1, // int: index into the snapshot
        WaterfallStartRole, // double 0..1 within the span's turn
        WaterfallWidthRole, // double 0..1
        IsErrorRole, // bool
        KindRole, // int SpanKind
    };

    explicit TraceTreeModel(QObject *parent = nullptr);

    // A different session: a reset (not a refresh of the same rows).
    void setSnapshot(TraceSnapshotPtr snapshot);
    const TraceSnapshotPtr &snapshot() const { return m_trace; }

    QModelIndex indexOfNode(int node, int column = 0) const;
    int nodeOf(const QModelIndex &index) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    static QString tokens(qint64 value); // "12 345" or "" for NULL

private:
    QVariant display(const TraceNode &n, int column) const;
    QString toolTip(const TraceNode &n, int column) const;
    TraceSnapshotPtr m_trace;
};

} // namespace switchboard
