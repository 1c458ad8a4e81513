#include "models/PromptAgentModel.h"

#include "models/PromptFormat.h"
#include "models/UntrustedText.h"

#include <QDateTime>

namespace switchboard {

PromptAgentModel::PromptAgentModel(QObject *parent)
    : KeyedTableModel(parent)
{ }

int PromptAgentModel::rowOf(const QString &agent) const
{
    for (int i = 0; i < rows().size(); ++i)
        if (rows().at(i).agent == agent)
            return i;
    return -1;
}

int PromptAgentModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool PromptAgentModel::before(const PromptAgentRow &a, const PromptAgentRow &b) const
{
    return a.agent < b.agent;
}

bool PromptAgentModel::same(const PromptAgentRow &a, const PromptAgentRow &b) const
{
    return a.agent == b.agent && a.hasDeployment == b.hasDeployment && a.active.id == b.active.id
        && a.active.notifiedAt == b.active.notifiedAt && a.activeModel == b.activeModel
        && a.active.dbRole == b.active.dbRole && a.notified() == b.notified()
        && a.redisDeploymentId == b.redisDeploymentId && a.problem == b.problem;
}

QVariant PromptAgentModel::data(const QModelIndex &index, int role) const
{
    const QVariant v = rawData(index, role);
    if (role == Qt::ToolTipRole)
        return untrusted::toolTip(v.toString());
    if (role == Qt::DisplayRole && v.typeId() == QMetaType::QString)
        return untrusted::line(v.toString());
    return v;
}

QVariant PromptAgentModel::rawData(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const PromptAgentRow &r = rowAt(index.row());
    const PromptDeployment &d = r.active;
    const qint64 now = m_now ? m_now : QDateTime::currentMSecsSinceEpoch();
    if (role == promptroles::Problem)
        return r.problem;
    if (role == Qt::ToolTipRole) {
        if (!r.problem.isEmpty())
            return r.problem;
        if (index.column() == Deployed)
            return promptformat::absolute(d.deployedAt);
        if (index.column() == Notified && r.hasDeployment)
            return promptformat::notifiedToolTip(d, r.notified(), r.redisDeploymentId);
        if (index.column() == DeployedBy && r.hasDeployment)
            return d.dbRole.isEmpty()
                ? QStringLiteral("Written before the server recorded database roles")
                : QStringLiteral("Display name %1, written by database role %2")
                      .arg(d.deployedBy, d.dbRole);
        return {};
    }
    if (role == promptroles::Status) {
        if (!r.problem.isEmpty() && index.column() == Agent)
            return int(PromptRowStatus::Error);
        if (index.column() == Notified && r.hasDeployment)
            return int(promptformat::notifiedStatus(r.notified()));
        return {};
    }
    if (role == Qt::TextAlignmentRole && index.column() == Version)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    const bool display = role == Qt::DisplayRole;
    const bool sort = role == promptroles::SortKey;
    if (!display && !sort)
        return {};
    switch (Column(index.column())) {
    case Agent:
        return r.agent;
    case Version:
        if (!r.hasDeployment)
            return display ? QVariant(QStringLiteral("none")) : QVariant(qint64(0));
        return display ? QVariant(QStringLiteral("v%1").arg(d.version)) : QVariant(d.version);
    case Model:
        return r.activeModel;
    case Deployed:
        return display ? QVariant(promptformat::relative(d.deployedAt, now))
                       : QVariant(d.deployedAt);
    case DeployedBy:
        return deployedByText(d.deployedBy, d.dbRole);
    case Notified:
        if (!r.hasDeployment)
            return {};
        return promptformat::notifiedText(r.notified(), r.redisDeploymentId);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant PromptAgentModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Agent:
        return QStringLiteral("Agent");
    case Version:
        return QStringLiteral("Active");
    case Model:
        return QStringLiteral("Pinned model");
    case Deployed:
        return QStringLiteral("Deployed");
    case DeployedBy:
        return QStringLiteral("By");
    case Notified:
        return QStringLiteral("Agents");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace switchboard
