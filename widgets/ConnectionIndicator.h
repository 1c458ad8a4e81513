#pragma once
// A status-bar item for one backend: shape + text + colour, details in the tooltip.
#include "core/services/BackendStatus.h"

#include <QWidget>

class QLabel;

namespace switchboard {

class ConnectionIndicator : public QWidget
{
    Q_OBJECT
public:
    explicit ConnectionIndicator(const QString &backend, QWidget *parent = nullptr);

    void setStatus(const BackendStatus &status);
    const BackendStatus &status() const { return m_status; }
    QString text() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    BackendStatus m_status;
    QLabel *m_icon;
    QLabel *m_text;
};

} // namespace switchboard
