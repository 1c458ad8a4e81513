#pragma once
// Sorting and filtering over SessionTableModel on raw values (no QVariant per compare):
// a filter text matched against id / agent / host / model / layer / channel / state, and
// an alerts-only mode for the alert list.
#include <QSortFilterProxyModel>

namespace switchboard {

class SessionTableModel;

class SessionProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit SessionProxyModel(SessionTableModel *source, QObject *parent = nullptr);

    void setNeedle(const QString &text);
    void setAlertsOnly(bool on);

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    SessionTableModel *m_source;
    QString m_needle;
    bool m_alertsOnly = false;
};

} // namespace switchboard
