#pragma once
// Finding a conversation: filters (session id or prefix*, agent, time range, outcome, had
// recovery events, crossed N % fill, prompt version), results newest first, paged by
// keyset ("More"). A session id pasted into the id box opens directly with Enter.
#include "core/types/TraceQuery.h"

#include <QPointer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;

namespace switchboard {

class TraceActions;
class TraceSessionModel;

class TraceSearchView : public QWidget
{
    Q_OBJECT
public:
    // The model becomes the view's child; actions stays its owner's.
    TraceSearchView(TraceSessionModel *model, TraceActions *actions, QWidget *parent = nullptr);

    TraceQuery query() const;
    void setQuery(const TraceQuery &query); // fills the form (tests, links)
    void search(); // first page
    void more(); // next page
    TraceSessionModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QString statusText() const;

Q_SIGNALS:
    void openTraceRequested(const QString &sessionId);
    void searched(int rows, bool more);

private:
    void run(bool append);
    void openRow(const QModelIndex &index);

    QPointer<TraceActions> m_actions;
    TraceSessionModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_id;
    QLineEdit *m_agent;
    QComboBox *m_range;
    QComboBox *m_outcome;
    QCheckBox *m_recovery;
    QSpinBox *m_fill;
    QSpinBox *m_prompt;
    QLineEdit *m_filter;
    QTableView *m_table;
    QPushButton *m_more;
    QLabel *m_status;
    TraceCursor m_next;
    bool m_searching = false;
};

} // namespace switchboard
