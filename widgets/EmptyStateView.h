#pragma once
// What a view shows when it has nothing to show: what it will show, and why it is empty
// right now (not connected, schema mismatch, no data). Never a blank pane.
#include <QWidget>

class QLabel;

namespace switchboard {

class EmptyStateView : public QWidget
{
    Q_OBJECT
public:
    EmptyStateView(const QString &title, const QString &purpose, QWidget *parent = nullptr);

    void setReason(const QString &reason);
    QString reason() const;
    QString title() const;

private:
    QLabel *m_title;
    QLabel *m_purpose;
    QLabel *m_reason;
};

} // namespace switchboard
