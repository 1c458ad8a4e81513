#pragma once
// The PM2 events of the selected app (all its instances), newest first, from the
// in-memory process event log (through ProcessActions); new events of that app are
// prepended as they arrive.
#include "core/types/LoggedProcessEvent.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QTreeWidget;

namespace switchboard {

class ProcessActions;

class ProcessEventsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ProcessEventsPanel(QWidget *parent = nullptr);
    void setSource(ProcessActions *source);
    void showApp(const QString &host, const QString &app); // empty app: nothing selected
    int rowCount() const;

private:
    void append(const QVector<LoggedProcessEvent> &events, bool prepend);

    QPointer<ProcessActions> m_source;
    QString m_host, m_app;
    QLabel *m_title;
    QTreeWidget *m_list;
};

} // namespace switchboard
