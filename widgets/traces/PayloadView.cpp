#include "widgets/traces/PayloadView.h"

#include "widgets/traces/JsonTreeWidget.h"
#include "widgets/traces/PromptHighlighter.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QTextCursor>
#include <QTimer>
#include <QVBoxLayout>

namespace switchboard {

namespace {
QString sizeText(qint64 chars)
{
    if (chars < 10 * 1024)
        return QStringLiteral("%1 chars").arg(chars);
    if (chars < 10 * 1024 * 1024)
        return QStringLiteral("%1 KiB").arg(chars / 1024);
    return QStringLiteral("%1 MiB").arg(double(chars) / (1024 * 1024), 0, 'f', 1);
}
} // namespace

PayloadView::PayloadView(bool highlightPrompt, QWidget *parent)
    : QWidget(parent)
    , m_status(new QLabel(this))
    , m_showAll(new QPushButton(tr("Show all"), this))
    , m_asTree(new QPushButton(tr("JSON tree"), this))
    , m_stack(new QStackedWidget(this))
    , m_text(new QPlainTextEdit(this))
    , m_tree(new JsonTreeWidget(this))
    , m_drain(new QTimer(this))
{
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_text->setFont(mono);
    if (highlightPrompt)
        new PromptHighlighter(m_text->document());
    m_asTree->setCheckable(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stack->addWidget(m_text);
    m_stack->addWidget(m_tree);
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_status, 1);
    bar->addWidget(m_asTree);
    bar->addWidget(m_showAll);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 2, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_stack, 1);
    m_drain->setInterval(0);
    connect(m_drain, &QTimer::timeout, this, &PayloadView::drain);
    connect(m_showAll, &QPushButton::clicked, this, [this] {
        m_showAll->setEnabled(false);
        m_note = tr("loading the rest…");
        updateStatus();
        Q_EMIT showAllRequested(m_received, m_total);
    });
    connect(m_asTree, &QPushButton::toggled, this,
            [this](bool on) { m_stack->setCurrentIndex(on ? 1 : 0); });
    clear(QString());
}

void PayloadView::clear(const QString &message)
{
    m_drain->stop();
    m_pending.clear();
    m_text->clear();
    m_tree->clear();
    m_shown = m_received = m_total = 0;
    m_lastReceived = false;
    m_note = message;
    m_showAll->hide();
    m_asTree->hide();
    m_asTree->setChecked(false);
    updateStatus();
}

void PayloadView::setPayload(const PayloadText &payload)
{
    clear(QString());
    if (payload.totalChars < 0) {
        m_note = tr("none (NULL)");
        updateStatus();
        return;
    }
    m_total = payload.totalChars;
    m_received = payload.head.size();
    m_shown = m_received;
    m_text->setPlainText(payload.head);
    if (!payload.complete()) {
        m_showAll->show();
        m_showAll->setEnabled(true);
        m_note = tr("first part shown");
    }
    if (payload.json) {
        m_tree->setJson(*payload.json);
        m_asTree->show();
        m_note = tr("JSON");
    } else if (!payload.jsonError.isEmpty()) {
        m_note = QStringLiteral("⚠ ") + payload.jsonError;
    }
    updateStatus();
}

void PayloadView::appendPart(qint64 offset, const QString &part, bool last)
{
    if (offset != m_received)
        return; // a part of something else (superseded)
    m_received += part.size();
    m_lastReceived = last;
    // Slices, so one pass of the event loop never lays out more than kSliceChars.
    for (qint64 at = 0; at < part.size(); at += kSliceChars)
        m_pending.append(part.mid(at, kSliceChars));
    if (!m_drain->isActive())
        m_drain->start();
    updateStatus();
}

void PayloadView::drain()
{
    if (m_pending.isEmpty()) {
        m_drain->stop();
        if (m_lastReceived) {
            m_note = tr("all shown");
            m_showAll->hide();
            updateStatus();
            Q_EMIT fullyShown();
        }
        return;
    }
    const QString slice = m_pending.takeFirst();
    QTextCursor cursor(m_text->document());
    cursor.movePosition(QTextCursor::End);
    cursor.insertText(slice);
    m_shown += slice.size();
    updateStatus();
}

void PayloadView::setFailed(const QString &message)
{
    m_drain->stop();
    m_pending.clear();
    m_note = QStringLiteral("✗ ") + message;
    m_showAll->setEnabled(true);
    updateStatus();
}

QString PayloadView::statusText() const
{
    return m_status->text();
}

void PayloadView::updateStatus()
{
    QString s;
    if (m_total > 0)
        s = m_shown >= m_total ? sizeText(m_total)
                               : tr("%1 of %2 shown").arg(sizeText(m_shown), sizeText(m_total));
    if (!m_note.isEmpty())
        s = s.isEmpty() ? m_note : s + QStringLiteral(" · ") + m_note;
    m_status->setText(s);
}

} // namespace switchboard
