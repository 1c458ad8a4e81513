#include "widgets/ActionsPanel.h"

#include "models/UntrustedText.h"
#include "widgets/StatusGlyph.h"

#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace switchboard {

ActionsPanel::ActionsPanel(QWidget *parent)
    : QWidget(parent)
    , m_list(new QTreeWidget(this))
{
    m_list->setColumnCount(5);
    m_list->setHeaderLabels({QStringLiteral("Time"), QStringLiteral("Action"),
                             QStringLiteral("State"), QStringLiteral("Elapsed"),
                             QStringLiteral("Message")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->header()->setStretchLastSection(true);
    m_list->setSortingEnabled(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *title = new QLabel(QStringLiteral("Actions this session"), this);
    layout->addWidget(title);
    layout->addWidget(m_list);
}

void ActionsPanel::showProgress(const ControlProgress &p)
{
    QTreeWidgetItem *item = m_items.value(p.actionId);
    if (!item) {
        item = new QTreeWidgetItem;
        m_list->insertTopLevelItem(0, item); // newest first
        m_items.insert(p.actionId, item);
        item->setText(
            0, QDateTime::fromMSecsSinceEpoch(p.startedAtMs).toString(QStringLiteral("HH:mm:ss")));
        item->setToolTip(0,
                         QDateTime::fromMSecsSinceEpoch(p.startedAtMs)
                             .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
        item->setText(1, untrusted::line(p.request.describe()));
        item->setToolTip(
            1,
            untrusted::toolTip(
                QStringLiteral("cmd_id %1\nreason: %2").arg(p.cmdId, p.request.reason)));
    }
    const StatusKind kind = !p.isFinal() ? StatusKind::Busy
        : p.succeeded                    ? StatusKind::Ok
                                         : StatusKind::Error;
    item->setIcon(2, statusIcon(kind));
    item->setText(2, untrusted::line(p.isFinal() ? p.state : p.state + QStringLiteral("…")));
    item->setForeground(2, statusColor(kind, palette()));
    item->setText(3,
                  QStringLiteral("%1 s").arg((p.updatedAtMs - p.startedAtMs) / 1000.0, 0, 'f', 1));
    item->setTextAlignment(3, Qt::AlignRight | Qt::AlignVCenter);
    // The bridge's words (control-results): plain, made visible, bounded.
    item->setText(4, untrusted::line(p.message));
    item->setToolTip(
        4,
        untrusted::toolTip(
            p.message
            + (p.auditId ? QStringLiteral("\naudit row %1").arg(*p.auditId) : QString())));
}

} // namespace switchboard
