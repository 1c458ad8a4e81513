#include "widgets/traces/PayloadView.h"

#include "core/contract/PromptMessages.h"
#include "widgets/UntrustedLabel.h"
#include "widgets/traces/JsonTreeWidget.h"
#include "widgets/traces/PromptHighlighter.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QTextCursor>
#include <QVBoxLayout>

#include <algorithm>

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

PayloadView::PayloadView(QWidget *parent)
    : QWidget(parent)
    , m_status(new QLabel(this))
    , m_showAll(new QPushButton(tr("Show all"), this))
    , m_asTree(new QPushButton(tr("JSON tree"), this))
    , m_prev(new QPushButton(QStringLiteral("◀"), this))
    , m_next(new QPushButton(QStringLiteral("▶"), this))
    , m_stack(new QStackedWidget(this))
    , m_text(new QPlainTextEdit(this))
    , m_tree(new JsonTreeWidget(this))
{
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_text->setFont(mono);
    // Colours the segments of an assembled prompt (shown as marker lines, see setPayload);
    // any other text has no marker line and stays plain.
    new PromptHighlighter(m_text);
    m_asTree->setCheckable(true);
    setSubject(tr("Payload"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stack->addWidget(m_text);
    m_stack->addWidget(m_tree);
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_status, 1);
    bar->addWidget(m_prev);
    bar->addWidget(m_next);
    bar->addWidget(m_asTree);
    bar->addWidget(m_showAll);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 2, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_stack, 1);
    m_prev->setToolTip(tr("Previous part"));
    m_next->setToolTip(tr("Next part"));
    connect(m_prev, &QPushButton::clicked, this, [this] { showPart(m_part - 1); });
    connect(m_next, &QPushButton::clicked, this, [this] { showPart(m_part + 1); });
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

void PayloadView::setSubject(const QString &subject)
{
    m_text->setAccessibleName(subject);
    m_text->setAccessibleDescription(tr("Read-only; long payloads are shown in parts"));
    m_tree->setAccessibleName(tr("%1 as a JSON tree").arg(subject));
    m_showAll->setAccessibleName(tr("Show all of the %1").arg(subject.toLower()));
    m_asTree->setAccessibleName(tr("Show the %1 as a JSON tree").arg(subject.toLower()));
    m_prev->setAccessibleName(tr("Previous part of the %1").arg(subject.toLower()));
    m_next->setAccessibleName(tr("Next part of the %1").arg(subject.toLower()));
}

void PayloadView::clear(const QString &message)
{
    m_parts.clear();
    m_chunks.clear();
    m_shownLength = -1;
    m_part = 0;
    m_text->clear();
    m_tree->clear();
    m_received = m_total = 0;
    m_lastReceived = false;
    m_note = message;
    m_showAll->hide();
    m_prev->hide();
    m_next->hide();
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
    m_chunks = {payload.head};
    m_parts = {Part {Piece {0, 0, payload.head.size()}}};
    m_text->setPlainText(payload.head);
    m_shownLength = payload.head.size();
    if (!payload.complete()) {
        m_showAll->show();
        m_showAll->setEnabled(true);
        m_note = tr("first part shown");
    }
    if (payload.json) {
        m_tree->setJson(*payload.json);
        m_asTree->show();
        m_note = tr("JSON");
        // An assembled prompt (the contract's [{role, kind, text}]) reads as its segments;
        // the JSON tree still shows the value as stored.
        if (const auto messages = parsePromptMessages(*payload.json)) {
            m_text->setPlainText(promptSegmentsText(*messages));
            m_note = messages->size() == 1
                ? tr("1 message, shown as a segment")
                : tr("%1 messages, shown as segments").arg(messages->size());
        }
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
    // Top up the last part, then cut the rest into parts of kPartChars (views only).
    m_chunks.append(part);
    const int chunk = int(m_chunks.size()) - 1;
    const qint64 size = part.size();
    qint64 at = 0;
    if (!m_parts.isEmpty() && lengthOf(m_parts.last()) < kPartChars) {
        at = std::min<qint64>(kPartChars - lengthOf(m_parts.last()), size);
        m_parts.last().append(Piece {chunk, 0, at});
    }
    for (; at < size; at += kPartChars)
        m_parts.append(Part {Piece {chunk, at, std::min<qint64>(kPartChars, size - at)}});
    m_prev->show();
    m_next->show();
    if (last || m_received >= m_total) {
        m_note = tr("all loaded");
        m_showAll->hide();
    }
    showPart(m_part);
    if (last || m_received >= m_total)
        Q_EMIT fullyShown();
}

void PayloadView::showPart(int part)
{
    if (part < 0 || part >= m_parts.size())
        return;
    if (part != m_part || m_shownLength != lengthOf(m_parts[part])) {
        m_part = part;
        m_text->setPlainText(partText(part));
        m_shownLength = lengthOf(m_parts[part]);
    }
    m_prev->setEnabled(m_part > 0);
    m_next->setEnabled(m_part + 1 < m_parts.size());
    updateStatus();
}

void PayloadView::setFailed(const QString &message)
{
    m_note = QStringLiteral("✗ ") + message;
    m_showAll->setEnabled(true);
    updateStatus();
}

qint64 PayloadView::lengthOf(const Part &part)
{
    qint64 length = 0;
    for (const Piece &piece : part)
        length += piece.length;
    return length;
}

QString PayloadView::partText(int part) const
{
    if (part < 0 || part >= m_parts.size())
        return {};
    QString text;
    text.reserve(lengthOf(m_parts[part]));
    for (const Piece &piece : m_parts[part])
        text += QStringView(m_chunks[piece.chunk]).mid(piece.from, piece.length);
    return text;
}

QString PayloadView::statusText() const
{
    return m_status->text();
}

void PayloadView::updateStatus()
{
    QString s;
    if (m_total > 0)
        s = m_received >= m_total
            ? sizeText(m_total)
            : tr("%1 of %2 loaded").arg(sizeText(m_received), sizeText(m_total));
    if (m_parts.size() > 1)
        s += tr(" · part %1 of %2").arg(m_part + 1).arg(m_parts.size());
    if (!m_note.isEmpty())
        s = s.isEmpty() ? m_note : s + QStringLiteral(" · ") + m_note;
    untrusted::setLabel(m_status, s); // notes can quote the payload
}

} // namespace switchboard
