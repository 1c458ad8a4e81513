#include "widgets/SessionAlertNotifier.h"

#include "models/SessionTableModel.h"
#include "models/UntrustedText.h"
#include "widgets/StatusGlyph.h"

#include <QSystemTrayIcon>
#include <QTimer>

namespace switchboard {

SessionAlertNotifier::SessionAlertNotifier(SessionTableModel *model, bool enabled, QObject *parent,
                                           int intervalMs)
    : QObject(parent)
    , m_enabled(enabled)
    , m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    m_timer->setInterval(intervalMs);
    connect(m_timer, &QTimer::timeout, this, &SessionAlertNotifier::flush);
    setEnabled(enabled);
    connect(model, &SessionTableModel::thresholdCrossed, this,
            [this](const QStringList &ids, double level) {
                if (!m_enabled)
                    return;
                m_pending += ids;
                m_level = level;
                if (!m_timer->isActive()) {
                    flush(); // the first crossing is shown at once; later ones batched
                    m_timer->start();
                }
            });
}

void SessionAlertNotifier::setEnabled(bool enabled)
{
    m_enabled = enabled;
    if (!enabled)
        m_pending.clear();
    if (enabled && !m_tray && QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(statusIcon(StatusKind::Warning, 32), this);
        m_tray->setToolTip(QStringLiteral("Switchboard: session context alerts"));
    }
    if (m_tray)
        m_tray->setVisible(enabled);
}

bool SessionAlertNotifier::isActive() const
{
    return m_enabled && m_tray;
}

void SessionAlertNotifier::flush()
{
    if (m_pending.isEmpty())
        return;
    const int n = int(m_pending.size());
    QStringList shown;
    // Desktop notifications may be markup (freedesktop body-markup): no '<', '>' or '&'
    // of a session id reaches one, whatever the notification server does with entities.
    for (const QString &id : m_pending.mid(0, 3))
        shown.append(untrusted::line(id, 80)
                         .replace(QLatin1Char('<'), QChar(0x2039))
                         .replace(QLatin1Char('>'), QChar(0x203a))
                         .replace(QLatin1Char('&'), QChar(0xff06)));
    QString message = QStringLiteral("%1 session%2 reached %3 % context fill: %4")
                          .arg(n)
                          .arg(n == 1 ? QString() : QStringLiteral("s"))
                          .arg(int(m_level * 100.0 + 0.5))
                          .arg(shown.join(QStringLiteral(", ")));
    if (n > shown.size())
        message += QStringLiteral(" and %1 more").arg(n - shown.size());
    m_pending.clear();
    m_last = message;
    if (m_tray)
        m_tray->showMessage(QStringLiteral("Context fill alert"), message, QSystemTrayIcon::Warning,
                            8000);
    Q_EMIT notified(message);
    m_timer->start();
}

} // namespace switchboard
