#pragma once
// Sorting and filtering over SessionTableModel on raw values (no QVariant per compare):
// a filter text matched against id / agent / host / model / layer / channel / state, and
// an alerts-only mode for the alert list.
//
// Its own sorted index instead of QSortFilterProxyModel: QSortFilterProxyModel moves a
// changed row with a remove + insert that rebuilds its whole mapping, O(all rows) per
// changed row; at 100 000 sessions and 5 000 changes a second that was ~80 % of the GUI
// thread and stalls of 0.4-1.5 s. Here a changed row is only marked; after each apply()
// of the model (one slice of a poll) the marked rows are taken out, sorted among
// themselves and merged back in one O(rows) pass, signalled as one layout change with the
// persistent indexes (selection, current row) moved along; a paced settle takes at most
// 4 096 changed rows per event-loop pass (the first poll of 100 000 sessions
// is many short passes). docs/decisions.md.
#include "core/util/TimeSlicer.h"

#include <QAbstractProxyModel>
#include <QVector>

namespace switchboard {

class SessionTableModel;

class SessionProxyModel : public QAbstractProxyModel
{
    Q_OBJECT
public:
    explicit SessionProxyModel(SessionTableModel *source, QObject *parent = nullptr);

    void setNeedle(const QString &text);
    void setAlertsOnly(bool on);

    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_order; }
    // Layout changes signalled for re-ordering changed rows (bench and tests).
    quint64 reorders() const { return m_reorders; }
    // 0 (default): changed rows are re-sorted after every apply() of the model. > 0: at
    // most once per `ms`; changed rows keep their place (with their new values) until
    // then. A poll arrives in many slices and each re-sort is O(rows) plus a layout
    // change that repaints the whole view: the view sets this (docs/decisions.md).
    // Filter and sort changes by the user still apply at once.
    void setSettleIntervalMs(int ms);
    // The most changed rows one paced settle pass takes (default 4 096; tests set less).
    void setSettleRowsPerPass(qsizetype rows) { m_settleRowsPerPass = qMax<qsizetype>(1, rows); }
    // Re-sorts everything that changed now (tests; a deferred settle is then not needed).
    void settleNow() { settle(); }

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;

Q_SIGNALS:
    // Changed rows are in their filtered, sorted place (the end of every settle).
    void settled();

public:
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QModelIndex mapToSource(const QModelIndex &proxyIndex) const override;
    QModelIndex mapFromSource(const QModelIndex &sourceIndex) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    QModelIndex sibling(int row, int column, const QModelIndex &idx) const override;

private:
    bool accepts(int sourceRow) const;
    bool before(int leftSource, int rightSource) const; // the proxy order
    void rebuildSourceToProxy();
    void rebuildKeys(); // every source row's sort key for the current column
    void removeProxyRows(int first, int last); // and keeps m_sourceToProxy in step
    // All rows filtered and sorted again, as one layout change (filter / sort changed).
    void refilterAll();
    void onDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight);
    void onRowsInserted(const QModelIndex &parent, int first, int last);
    void onRowsAboutToBeRemoved(const QModelIndex &parent, int first, int last);
    void onRowsRemoved(const QModelIndex &parent, int first, int last);
    void onReset();
    // Marked rows: out of the filter -> removed, into it -> inserted, moved -> merged.
    void settle(); // now
    bool settlePass(); // true: not now (the source is mid-change), next pass
    void merge(qsizetype cap); // at most cap changed rows (0: all)
    void scheduleSettle(); // after apply(): now, or within the settle interval
    void relayout(QVector<int> order, bool rowsLeft = false);

    static constexpr int kRemovalRangesPerSettle = 4;

    SessionTableModel *m_source;
    TimeSlicer m_slicer; // the deferred settle, paced by the settle interval
    QVector<int> m_proxyToSource;
    QVector<int> m_sourceToProxy; // -1: filtered out
    QVector<int> m_dirty; // source rows changed since the last settle()
    QVector<bool> m_isDirty; // by source row
    // By source row: SessionTableModel::sortKey() for the sort column, as of the row's
    // last settle() (a changed row keeps its old key until then, as it keeps its place).
    QVector<double> m_keys;
    QString m_needle;
    bool m_alertsOnly = false;
    int m_sortColumn = -1;
    Qt::SortOrder m_order = Qt::AscendingOrder;
    quint64 m_reorders = 0;
    int m_settleIntervalMs = 0;
    qsizetype m_settleRowsPerPass = 4096;
    bool m_settleAll = false; // settle(): all changed rows, however many passes it takes
    bool m_sourceChanging = false; // between the source's rowsAboutToBeRemoved and rowsRemoved
};

} // namespace switchboard
