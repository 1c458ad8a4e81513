#include "widgets/EmptyStateView.h"

#include "widgets/UntrustedLabel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace switchboard {

EmptyStateView::EmptyStateView(const QString &title, const QString &purpose, QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(title, this))
    , m_purpose(new QLabel(purpose, this))
    , m_reason(new QLabel(this))
{
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.4);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_purpose->setWordWrap(true);
    m_reason->setWordWrap(true);
    m_reason->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette pal = m_purpose->palette();
    pal.setColor(QPalette::WindowText, pal.color(QPalette::PlaceholderText));
    m_purpose->setPalette(pal);

    // A column of at most 640 px, centred: word-wrapped labels need a real width to
    // compute their height, so the column gets one instead of per-label alignment.
    auto *column = new QWidget(this);
    column->setMaximumWidth(640);
    column->setMinimumWidth(320);
    auto *columnLayout = new QVBoxLayout(column);
    columnLayout->setContentsMargins(0, 0, 0, 0);
    for (QLabel *label : {m_title, m_purpose, m_reason}) {
        label->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
        columnLayout->addWidget(label);
    }
    columnLayout->insertSpacing(2, 12);

    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(column, 4);
    row->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addStretch(1);
    layout->addLayout(row);
    layout->addStretch(2);
}

void EmptyStateView::setReason(const QString &reason)
{
    untrusted::setLabel(m_reason, reason); // a server's words
}

QString EmptyStateView::reason() const
{
    return m_reason->text();
}

QString EmptyStateView::title() const
{
    return m_title->text();
}

} // namespace switchboard
