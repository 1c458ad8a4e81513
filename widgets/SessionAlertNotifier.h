#pragma once
// Optional desktop notification (system tray) when sessions reach the alert level.
// Crossings are gathered and shown at most once per interval, so a burst (or the first
// poll of a busy fleet) is one message naming a few ids and a count, not a flood.
#include <QObject>
#include <QStringList>

class QSystemTrayIcon;
class QTimer;

namespace switchboard {

class SessionTableModel;

class SessionAlertNotifier : public QObject
{
    Q_OBJECT
public:
    SessionAlertNotifier(SessionTableModel *model, bool enabled, QObject *parent = nullptr,
                         int intervalMs = 10000);

    bool isActive() const; // enabled and a system tray exists
    void setEnabled(bool enabled); // the operator's choice in the thresholds dialog
    QString lastMessage() const { return m_last; } // what was (or would have been) shown

Q_SIGNALS:
    void notified(const QString &message);

private:
    void flush();

    bool m_enabled;
    QSystemTrayIcon *m_tray = nullptr;
    QTimer *m_timer;
    QStringList m_pending;
    double m_level = 0;
    QString m_last;
};

} // namespace switchboard
