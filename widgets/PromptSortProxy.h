#pragma once
// Sorting, the Ctrl+F filter and status icons for the prompt tables: sorts by the models'
// SortKey role, filters on any column's text, and turns the models' row status into a
// shape-coded icon and colour (models do not know about widgets).
#include <QSortFilterProxyModel>

namespace switchboard {

class PromptSortProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit PromptSortProxy(QObject *parent = nullptr);
    QVariant data(const QModelIndex &index, int role) const override;
    void setFilterText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
};

} // namespace switchboard
