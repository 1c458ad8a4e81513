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
    m_list->setColumnCount(ColumnCount);
    m_list->setHeaderLabels({QStringLiteral("Time"), QStringLiteral("Action"), QStringLiteral("By"),
                             QStringLiteral("State"), QStringLiteral("Elapsed")});
    m_list->setColumnWidth(TimeColumn, 64);
    m_list->setColumnWidth(ActionColumn, 210);
    m_list->setColumnWidth(ByColumn, 165);
    m_list->setColumnWidth(StateColumn, 95);
    m_list->setRootIsDecorated(false);
    m_list->setItemsExpandable(false);
    m_list->setUniformRowHeights(true);
    m_list->header()->setStretchLastSection(true);
    m_list->setSortingEnabled(false);
    m_list->setAccessibleName(QStringLiteral("Actions this session"));
    m_list->setAccessibleDescription(
        QStringLiteral("Reloads and restarts requested from this console, with their state"));
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
            TimeColumn,
            QDateTime::fromMSecsSinceEpoch(p.startedAtMs).toString(QStringLiteral("HH:mm:ss")));
        item->setToolTip(TimeColumn,
                         QDateTime::fromMSecsSinceEpoch(p.startedAtMs)
                             .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
        item->setText(ActionColumn, untrusted::line(p.request.describe()));
        item->setToolTip(
            ActionColumn,
            untrusted::toolTip(
                QStringLiteral("cmd_id %1\nreason: %2").arg(p.cmdId, p.request.reason)));
        // The message on its own line under the action, across the columns: a rejected
        // command's reason is read in full, not cut off at the panel's edge.
        auto *line = new QTreeWidgetItem(item);
        line->setFirstColumnSpanned(true);
        line->setFlags(Qt::ItemIsEnabled);
        item->setExpanded(true);
    }
    // Who acted: the display name, and the database role the server stamped on the
    // request row (the identity the bridge checks).
    item->setText(ByColumn, p.actedBy());
    item->setToolTip(
        ByColumn,
        p.dbRole.isEmpty()
            ? QStringLiteral("operator %1; database role not known yet").arg(p.operatorName)
            : QStringLiteral("operator %1 (display name); the request row was "
                             "written by database role %2")
                  .arg(p.operatorName, p.dbRole));
    const StatusKind kind = !p.isFinal() ? StatusKind::Busy
        : p.succeeded                    ? StatusKind::Ok
                                         : StatusKind::Error;
    item->setIcon(StateColumn, statusIcon(kind));
    item->setText(StateColumn,
                  untrusted::line(p.isFinal() ? p.state : p.state + QStringLiteral("…")));
    item->setForeground(StateColumn, statusColor(kind, palette()));
    item->setText(ElapsedColumn,
                  QStringLiteral("%1 s").arg((p.updatedAtMs - p.startedAtMs) / 1000.0, 0, 'f', 1));
    QTreeWidgetItem *line = item->child(0);
    // The bridge's words (control-results): plain, made visible, bounded.
    line->setText(0, QStringLiteral("    ") + untrusted::line(p.message));
    line->setForeground(0,
                        kind == StatusKind::Error ? statusColor(kind, palette())
                                                  : palette().color(QPalette::PlaceholderText));
    QString tip = p.message;
    if (p.auditId)
        tip += QStringLiteral("\naudit row %1").arg(*p.auditId);
    if (p.requestedAtMs > 0)
        tip += QStringLiteral("\nrequested %1, expires %2 (Redis server time)")
                   .arg(QDateTime::fromMSecsSinceEpoch(p.requestedAtMs)
                            .toString(QStringLiteral("HH:mm:ss.zzz")),
                        QDateTime::fromMSecsSinceEpoch(p.expiresAtMs)
                            .toString(QStringLiteral("HH:mm:ss.zzz")));
    line->setToolTip(0, untrusted::toolTip(tip));
    item->setToolTip(StateColumn, untrusted::toolTip(tip));
}

QString ActionsPanel::text(int actionId, Column column) const
{
    const QTreeWidgetItem *item = m_items.value(actionId);
    if (!item)
        return {};
    if (column == MessageColumn)
        return item->child(0)->text(0).trimmed();
    return item->text(column);
}

} // namespace switchboard
