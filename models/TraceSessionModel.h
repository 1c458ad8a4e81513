#pragma once
// Search results of the trace view: one row per agentops.sessions row, newest first.
// A new query replaces the list (reset: other rows); "more" appends the next keyset page
// with beginInsertRows so selection and scroll stay.
#include "core/contract/SessionSummary.h"

#include <QAbstractTableModel>
#include <QVector>

namespace switchboard {

class TraceSessionModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        Started,
        Session,
        Agent,
        Outcome,
        Turns,
        MaxFill,
        Recovery,
        Prompt,
        Model,
        Host,
        ColumnCount
    };
    enum Role { SessionIdRole = Qt::UserRole + 1, SortRole };

    explicit TraceSessionModel(QObject *parent = nullptr);
    void setNowMs(qint64 now) { m_nowMs = now; } // for "12 min ago" (tests pin it)

    void replace(const QVector<SessionSummary> &rows);
    void append(const QVector<SessionSummary> &rows);
    const SessionSummary &at(int row) const { return m_rows[row]; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    qint64 now() const;
    QVector<SessionSummary> m_rows;
    qint64 m_nowMs = 0;
};

QString relativeTime(qint64 thenMs, qint64 nowMs); // "12 s ago", "3 h ago", "2 d ago"

} // namespace switchboard
