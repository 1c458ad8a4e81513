#include "widgets/ContextCompositionView.h"

#include "models/DisplayFormat.h"
#include "widgets/ContextStackBar.h"
#include "widgets/StatusGlyph.h"
#include "widgets/UntrustedLabel.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace switchboard {

namespace {

constexpr int kPreviewChars = 160;

QString preview(const QString &text)
{
    return untrusted::line(text.left(kPreviewChars * 2).simplified(), kPreviewChars + 1);
}

QString titleFor(const QString &sessionId)
{
    return QStringLiteral("Context of ") + untrusted::line(sessionId, 120);
}

} // namespace

ContextCompositionView::ContextCompositionView(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_state(new QLabel(this))
    , m_bar(new ContextStackBar(this))
    , m_legend(new QLabel(this))
    , m_segments(new QTreeWidget(this))
    , m_text(new QPlainTextEdit(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    // Every label here can carry what agents wrote: plain text, always.
    for (QLabel *label : {m_title, m_state, m_legend})
        untrusted::makePlain(label);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_state->setWordWrap(true);
    m_legend->setWordWrap(true);
    layout->addWidget(m_title);
    layout->addWidget(m_state);
    layout->addWidget(m_bar);
    layout->addWidget(m_legend);

    m_segments->setColumnCount(5);
    m_segments->setHeaderLabels({QStringLiteral("#"), QStringLiteral("Kind"),
                                 QStringLiteral("Role"), QStringLiteral("Tokens"),
                                 QStringLiteral("Text")});
    m_segments->setRootIsDecorated(false);
    m_segments->setUniformRowHeights(true);
    m_segments->setAlternatingRowColors(true);
    m_segments->header()->setStretchLastSection(true);
    m_segments->setAccessibleName(QStringLiteral("Context segments"));
    m_segments->setAccessibleDescription(
        QStringLiteral("The segments of the session's context window in order: kind, role, "
                       "tokens and the start of the text"));
    m_text->setReadOnly(true);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setPlaceholderText(QStringLiteral("Select a segment to read it."));
    m_text->setAccessibleName(QStringLiteral("Segment text"));
    m_text->setAccessibleDescription(QStringLiteral("The full text of the selected segment"));

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_segments);
    split->addWidget(m_text);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(m_segments, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        showSegment(item ? item->data(0, Qt::UserRole).toInt() : -1);
    });
    showNothing();
}

void ContextCompositionView::showNothing()
{
    m_composition = {};
    m_title->setText(QStringLiteral("Context"));
    m_state->setText(QStringLiteral("Select a session to load what fills its context window."));
    m_bar->clear();
    m_legend->clear();
    m_segments->clear();
    m_text->clear();
}

void ContextCompositionView::showLoading(const QString &sessionId)
{
    untrusted::setLabel(m_title, titleFor(sessionId));
    m_state->setText(QStringLiteral("Loading…"));
    m_state->setToolTip(QString());
}

void ContextCompositionView::showError(const QString &sessionId, const QString &message)
{
    m_composition = {};
    untrusted::setLabel(m_title, titleFor(sessionId));
    untrusted::setLabel(m_state, QStringLiteral("✖ ") + message);
    untrusted::setToolTip(m_state, message);
    m_bar->clear();
    m_legend->clear();
    m_segments->clear();
    m_text->clear();
}

void ContextCompositionView::showComposition(const ContextComposition &composition)
{
    m_composition = composition;
    untrusted::setLabel(m_title, titleFor(composition.sessionId));
    const qint64 total = composition.totalTokens();
    // "≈": the receiver split the call's input tokens over its messages by text size.
    const QString about = composition.estimated ? QStringLiteral("≈") : QString();
    QString state = composition.limit > 0
        ? QStringLiteral("%1%2 of %3 tokens (%4 %) in %5 segments")
              .arg(about)
              .arg(total)
              .arg(composition.limit)
              .arg(100.0 * double(total) / double(composition.limit), 0, 'f', 1)
              .arg(composition.segments.size())
        : QStringLiteral("%1%2 tokens in %3 segments · window unknown")
              .arg(about)
              .arg(total)
              .arg(composition.segments.size());
    if (composition.estimated)
        state += QStringLiteral(" · estimated from the input messages");
    if (!composition.model.isEmpty())
        state += QStringLiteral(" · ") + untrusted::line(composition.model, 120);
    if (composition.updatedAt > 0)
        state += QStringLiteral(" · composed ")
            + display::ago(composition.updatedAt, QDateTime::currentMSecsSinceEpoch());
    untrusted::setLabel(m_state, state);
    untrusted::setToolTip(m_state, display::absolute(composition.updatedAt));
    m_bar->setComposition(composition);
    untrusted::setLabel(m_legend, m_bar->legend());

    m_segments->setUpdatesEnabled(false);
    m_segments->clear();
    QList<QTreeWidgetItem *> items;
    items.reserve(composition.segments.size());
    for (int i = 0; i < composition.segments.size(); ++i) {
        const ContextSegment &s = composition.segments.at(i);
        auto *item = new QTreeWidgetItem;
        item->setData(0, Qt::UserRole, i);
        item->setText(0, QString::number(i + 1));
        item->setText(1, ContextStackBar::kindLabel(s.kind));
        item->setIcon(1, [&] {
            QPixmap swatch(10, 10);
            swatch.fill(ContextStackBar::kindColor(s.kind, palette()));
            return QIcon(swatch);
        }());
        item->setText(2, untrusted::line(s.role, 40));
        item->setToolTip(2, untrusted::toolTip(s.role));
        item->setText(3, about + QString::number(s.tokens));
        item->setTextAlignment(0, Qt::AlignRight | Qt::AlignVCenter);
        item->setTextAlignment(3, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(4, preview(s.text));
        items.append(item);
    }
    m_segments->addTopLevelItems(items);
    for (int c = 0; c < 4; ++c)
        m_segments->resizeColumnToContents(c);
    m_segments->setUpdatesEnabled(true);
    m_text->clear();
    if (!items.isEmpty())
        m_segments->setCurrentItem(items.first());
}

void ContextCompositionView::showSegment(int i)
{
    if (i < 0 || i >= m_composition.segments.size()) {
        m_text->clear();
        return;
    }
    m_text->setPlainText(untrusted::visible(m_composition.segments.at(i).text));
}

QString ContextCompositionView::headline() const
{
    return m_state->text();
}

int ContextCompositionView::segmentCount() const
{
    return m_segments->topLevelItemCount();
}

} // namespace switchboard
