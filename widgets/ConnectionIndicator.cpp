#include "widgets/ConnectionIndicator.h"

#include "widgets/StatusGlyph.h"
#include "widgets/UntrustedLabel.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>

namespace switchboard {

namespace {
StatusKind kindFor(BackendStatus::State state)
{
    using S = BackendStatus::State;
    switch (state) {
    case S::Ready:
        return StatusKind::Ok;
    case S::Connecting:
        return StatusKind::Busy;
    case S::Reconnecting:
    case S::Degraded:
        return StatusKind::Warning;
    case S::Failed:
        return StatusKind::Error;
    case S::NotConfigured:
        return StatusKind::Idle;
    }
    return StatusKind::Idle;
}
} // namespace

ConnectionIndicator::ConnectionIndicator(const QString &backend, QWidget *parent)
    : QWidget(parent)
    , m_icon(new QLabel(this))
    , m_text(new QLabel(this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 0, 4, 0);
    layout->setSpacing(4);
    layout->addWidget(m_icon);
    layout->addWidget(m_text);
    m_status.backend = backend;
    m_status.summary = QStringLiteral("not configured");
    setStatus(m_status);
}

void ConnectionIndicator::setStatus(const BackendStatus &status)
{
    m_status = status;
    const StatusKind kind = kindFor(status.state);
    m_icon->setPixmap(statusIcon(kind).pixmap(14, 14));
    untrusted::setLabel(m_text, text()); // a server's words
    QPalette pal = m_text->palette();
    if (kind == StatusKind::Error || kind == StatusKind::Warning)
        pal.setColor(QPalette::WindowText, statusColor(kind, palette()));
    else
        pal.setColor(QPalette::WindowText, palette().color(QPalette::WindowText));
    m_text->setPalette(pal);
    const QString tip = status.backend + QStringLiteral(": ")
        + BackendStatus::stateName(status.state)
        + (status.detail.isEmpty() ? QString() : QStringLiteral("\n") + status.detail);
    untrusted::setToolTip(this, tip);
    setAccessibleName(text());
}

void ConnectionIndicator::changeEvent(QEvent *event)
{
    // The status colours depend on the palette (light or dark theme).
    if (event->type() == QEvent::PaletteChange)
        setStatus(m_status);
    QWidget::changeEvent(event);
}

QString ConnectionIndicator::text() const
{
    return m_status.backend + QStringLiteral(": ") + m_status.summary;
}

} // namespace switchboard
