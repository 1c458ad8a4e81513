#pragma once
// A view's clock tick (ages that move, a live chart) that runs only while the view is on
// screen: a view in a hidden tab does not wake the console every second for cells nobody
// sees (a console left open overnight, on battery). Shown again it ticks at once, so
// what moved while it was hidden is caught up before the first paint, then every
// interval.
#include <QObject>
#include <QTimer>

#include <functional>

class QWidget;

namespace switchboard {

class VisibleTimer : public QObject
{
public:
    // onTick(true): the tick of being shown again (catch up on everything); false: the
    // interval's.
    VisibleTimer(QWidget *view, int intervalMs, std::function<void(bool shown)> onTick);
    bool isActive() const { return m_timer.isActive(); }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QTimer m_timer;
    std::function<void(bool shown)> m_onTick;
};

} // namespace switchboard
