#include "widgets/VisibleTimer.h"

#include <QEvent>
#include <QWidget>

#include <utility>

namespace switchboard {

VisibleTimer::VisibleTimer(QWidget *view, int intervalMs, std::function<void(bool shown)> onTick)
    : QObject(view)
    , m_onTick(std::move(onTick))
{
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, [this] { m_onTick(false); });
    view->installEventFilter(this);
    if (view->isVisible())
        m_timer.start();
}

bool VisibleTimer::eventFilter(QObject *watched, QEvent *event)
{
    // Show and Hide come for a tab switch and for the window's own show / hide.
    if (event->type() == QEvent::Show && !m_timer.isActive()) {
        m_timer.start();
        m_onTick(true);
    } else if (event->type() == QEvent::Hide) {
        m_timer.stop();
    }
    return QObject::eventFilter(watched, event);
}

} // namespace switchboard
