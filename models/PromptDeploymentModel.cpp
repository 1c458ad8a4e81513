#include "models/PromptDeploymentModel.h"

#include "models/PromptFormat.h"
#include "models/UntrustedText.h"

#include <QDateTime>

namespace switchboard {

PromptDeploymentModel::PromptDeploymentModel(QObject *parent)
    : PagedTableModel(parent)
{ }

int PromptDeploymentModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool PromptDeploymentModel::before(const PromptDeploymentRow &a, const PromptDeploymentRow &b) const
{
    return a.deployment.id > b.deployment.id;
}

bool PromptDeploymentModel::same(const PromptDeploymentRow &a, const PromptDeploymentRow &b) const
{
    // Deployments are append-only; what changes is whether agents were notified.
    return a.deployment.id == b.deployment.id && a.deployment.notifiedAt == b.deployment.notifiedAt
        && a.notified() == b.notified() && a.redisDeploymentId == b.redisDeploymentId
        && a.problem == b.problem;
}

QVariant PromptDeploymentModel::data(const QModelIndex &index, int role) const
{
    const QVariant v = rawData(index, role);
    if (role == Qt::ToolTipRole)
        return untrusted::toolTip(v.toString());
    if (role == Qt::DisplayRole && v.typeId() == QMetaType::QString)
        return untrusted::line(v.toString());
    return v;
}

QVariant PromptDeploymentModel::rawData(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const PromptDeploymentRow &r = rowAt(index.row());
    const PromptDeployment &d = r.deployment;
    const int col = index.column();
    const bool rollback = d.kind == DeploymentKind::Rollback;
    if (role == promptroles::Problem)
        return r.problem;
    if (role == promptroles::Status) {
        if (col == Id && !r.problem.isEmpty())
            return int(PromptRowStatus::Error);
        if (col == Notified)
            return int(promptformat::notifiedStatus(r.notified()));
        if (col == Kind && rollback)
            return int(PromptRowStatus::Warning);
        return {};
    }
    if (role == Qt::ToolTipRole) {
        if (!r.problem.isEmpty())
            return r.problem;
        if (col == When)
            return promptformat::absolute(d.deployedAt);
        if (col == Reason)
            return d.reason;
        if (col == Notified)
            return promptformat::notifiedToolTip(d, r.notified(), r.redisDeploymentId);
        if (col == By)
            return d.dbRole.isEmpty()
                ? QStringLiteral("Written before the server recorded database roles")
                : QStringLiteral("Display name %1, written by database role %2")
                      .arg(d.deployedBy, d.dbRole);
        return {};
    }
    if (role == Qt::TextAlignmentRole && col == Id)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    const bool display = role == Qt::DisplayRole;
    if (!display && role != promptroles::SortKey)
        return {};
    const qint64 now = m_now ? m_now : QDateTime::currentMSecsSinceEpoch();
    switch (Column(col)) {
    case Id:
        return display ? QVariant(QStringLiteral("#%1").arg(d.id)) : QVariant(d.id);
    case When:
        return display ? QVariant(promptformat::relative(d.deployedAt, now))
                       : QVariant(d.deployedAt);
    case Kind:
        return rollback ? QStringLiteral("rollback") : QStringLiteral("deploy");
    case Change:
        if (!display)
            return d.version;
        return d.previousVersion
            ? QStringLiteral("v%1 → v%2").arg(*d.previousVersion).arg(d.version)
            : QStringLiteral("→ v%1").arg(d.version);
    case By:
        return deployedByText(d.deployedBy, d.dbRole);
    case Reason:
        return display ? QVariant(QString(d.reason).replace(QLatin1Char('\n'), QLatin1Char(' ')))
                       : QVariant(d.reason);
    case Notified:
        return promptformat::notifiedText(r.notified(), r.redisDeploymentId);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant PromptDeploymentModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const names[] = {"Id", "When", "Kind", "Change", "By", "Reason", "Agents"};
    if (section < 0 || section >= ColumnCount)
        return {};
    return QString::fromLatin1(names[section]);
}

} // namespace switchboard
