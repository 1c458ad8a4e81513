#pragma once
// The confirmation of a reload / restart: names the exact target and host, says what
// will happen (cluster mode reloads gracefully, one worker at a time; fork mode restarts
// with downtime), and requires a reason, which goes to the audit log.
#include "core/services/ProcessActionRequest.h"

#include <QDialog>

class QPlainTextEdit;
class QPushButton;

namespace switchboard {

class ReloadDialog : public QDialog
{
    Q_OBJECT
public:
    ReloadDialog(const ProcessActionRequest &request, QWidget *parent = nullptr);
    ProcessActionRequest request() const; // with the reason typed

    static QString consequence(ControlAction action, ExecMode mode);

private:
    ProcessActionRequest m_request;
    QPlainTextEdit *m_reason;
    QPushButton *m_ok;
};

} // namespace switchboard
