#pragma once
// The PM2 events of the selected app (all its instances), newest first, from the
// in-memory ProcessEventLog; new events of that app are prepended as they arrive.
#include "core/services/ProcessEventLog.h"

#include <QWidget>

class QLabel;
class QTreeWidget;

namespace switchboard {

class ProcessEventsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ProcessEventsPanel(QWidget *parent = nullptr);
    void setLog(ProcessEventLog *log);
    void showApp(const QString &host, const QString &app); // empty app: nothing selected
    int rowCount() const;

private:
    void append(const QVector<LoggedProcessEvent> &events, bool prepend);

    ProcessEventLog *m_log = nullptr;
    QString m_host, m_app;
    QLabel *m_title;
    QTreeWidget *m_list;
};

} // namespace switchboard
