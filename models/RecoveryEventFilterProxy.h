#pragma once
// Filters and sorts the events table: kind, agent, session, outcome and free text. Gap
// markers always pass (what may be missing must stay visible); bad rows pass unless a kind
// or outcome filter asks for something they cannot be shown to be.
//
// Hand-written instead of a QSortFilterProxyModel because the live buffer appends at the
// end and evicts at the front every pass: QSortFilterProxyModel rewrote its source->proxy
// mapping over all 100 000 rows for each eviction (half of the GUI thread's insert pass in
// Bench 2). Here, with no filter and no sort (following the tail), row i is source row i
// and inserts/removals pass straight through; with a filter the accepted rows are a
// vector of absolute source positions (source row + rows evicted so far), so an eviction
// drops a prefix and an append filters only the new rows. Sorted (an operator's choice,
// not the flood case) costs O(rows) per change, as before. A filter change resets the
// model (the view keeps its current row itself, see EventsView::applyFilters).
#include "core/contract/Enums.h"

#include <QAbstractProxyModel>

#include <optional>
#include <vector>

namespace switchboard {

class RecoveryEventTableModel;

class RecoveryEventFilterProxy : public QAbstractProxyModel
{
    Q_OBJECT
public:
    enum class OutcomeFilter { Any, Recovered, Failed, InProgress, Unrecoverable, Bad };

    explicit RecoveryEventFilterProxy(QObject *parent = nullptr);

    void setKind(std::optional<RecoveryKind> kind);
    void setOutcome(OutcomeFilter outcome);
    void setAgent(const QString &agent); // exact; empty = any
    void setSession(const QString &sessionId); // exact; empty = any
    void setText(const QString &text); // substring of agent, session, kind, message

    std::optional<RecoveryKind> kind() const { return m_kind; }
    OutcomeFilter outcome() const { return m_outcome; }
    const QString &agent() const { return m_agent; }
    const QString &session() const { return m_session; }
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }
    // No filter and no sort: proxy row i is source row i (the O(changed) path).
    bool isPassThrough() const { return m_identity; }

    void setSourceModel(QAbstractItemModel *source) override;
    // By RecoveryEventTableModel::SortRole, stable (ties stay in arrival order); -1 =
    // arrival order.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    QModelIndex index(int row, int column,
                      const QModelIndex &parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    bool hasChildren(const QModelIndex &parent = QModelIndex()) const override;
    QModelIndex sibling(int row, int column, const QModelIndex &idx) const override;
    QModelIndex mapToSource(const QModelIndex &proxyIndex) const override;
    QModelIndex mapFromSource(const QModelIndex &sourceIndex) const override;

protected:
    bool filterAcceptsRow(int sourceRow) const;

private:
    bool hasFilter() const;
    void refilter(); // model reset with the new filter
    void rebuild(); // m_rows from scratch (filter, then sort)
    bool lessThan(qint64 a, qint64 b) const; // absolute positions, in sort order
    int proxyRowOf(qint64 abs) const; // -1 if not listed
    void connectSource(QAbstractItemModel *source);

    void onAboutToBeInserted(const QModelIndex &parent, int first, int last);
    void onInserted(const QModelIndex &parent, int first, int last);
    void onAboutToBeRemoved(const QModelIndex &parent, int first, int last);
    void onRemoved(const QModelIndex &parent, int first, int last);
    void onDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                       const QList<int> &roles);
    void beginFallbackReset();
    void endFallbackReset();

    std::optional<RecoveryKind> m_kind;
    OutcomeFilter m_outcome = OutcomeFilter::Any;
    QString m_agent;
    QString m_session;
    QString m_text;
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;

    const RecoveryEventTableModel *m_table = nullptr; // the source, if it is one
    bool m_identity = true;
    qint64 m_base = 0; // absolute position of source row 0
    std::vector<qint64> m_rows; // absolute source positions in proxy order (not identity)
    mutable std::vector<int> m_proxyOf; // sorted mode: source row -> proxy row, lazy
    mutable bool m_proxyOfValid = false;
    bool m_resetting = false; // a source change we could not map: reset around it
    bool m_identityRemoving = false;
    bool m_identityInserting = false;
    QList<QMetaObject::Connection> m_connections;
};

} // namespace switchboard
