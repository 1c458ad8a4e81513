#include "models/AuditLogModel.h"

#include "models/UntrustedText.h"

#include <QDateTime>

namespace switchboard {

AuditLogModel::AuditLogModel(QObject *parent)
    : PagedTableModel(parent)
{ }

void AuditLogModel::applyPage(const std::vector<AuditEntry> &entries, bool append, bool more)
{
    setPage(QVector<AuditEntry>(entries.begin(), entries.end()), more, append);
}

int AuditLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool AuditLogModel::before(const AuditEntry &a, const AuditEntry &b) const
{
    // The query's order: (at, id) newest first, at in the server's microseconds.
    if (a.atUs != b.atUs)
        return a.atUs > b.atUs;
    return a.id() > b.id();
}

bool AuditLogModel::same(const AuditEntry &a, const AuditEntry &b) const
{
    // Requests are append-only; what changes is their outcome.
    const auto outcomeId = [](const AuditEntry &e) {
        return e.latestOutcome ? e.latestOutcome->value().id.value_or(0) : 0;
    };
    return a.id() == b.id() && outcomeId(a) == outcomeId(b) && a.outcomeRows == b.outcomeRows;
}

QString AuditLogModel::outcomeText(const AuditEntry &e)
{
    const OperatorAction &r = e.request.value();
    if (!e.latestOutcome) {
        if (r.outcome == OperatorOutcome::Requested)
            return QStringLiteral("requested: no outcome yet");
        return enumToText(r.outcome);
    }
    QString text = enumToText(e.latestOutcome->value().outcome);
    if (e.outcomeRows > 1)
        text += QStringLiteral(" (%1 outcome rows)").arg(e.outcomeRows);
    return text;
}

QVariant AuditLogModel::data(const QModelIndex &index, int role) const
{
    const QVariant v = rawData(index, role);
    if (role == Qt::ToolTipRole)
        return untrusted::toolTip(v.toString());
    if (role == Qt::DisplayRole && v.typeId() == QMetaType::QString)
        return untrusted::line(v.toString());
    return v;
}

QVariant AuditLogModel::rawData(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const AuditEntry &e = rowAt(index.row());
    const OperatorAction &r = e.request.value();
    const int col = index.column();
    switch (role) {
    case TargetRole:
        return r.target;
    case IdRole:
        return e.id();
    case BadRole:
        return !e.request.isOk();
    case Qt::ToolTipRole:
        if (!e.request.isOk())
            return e.request.message();
        if (col == Operator)
            return r.dbRole.isEmpty()
                ? QStringLiteral("Display name %1 (written before the server recorded "
                                 "database roles), from %2")
                      .arg(r.operatorName, r.clientHost)
                : QStringLiteral("Display name %1, written by database role %2, from %3")
                      .arg(r.operatorName, r.dbRole, r.clientHost);
        if (col == Reason)
            return r.reason;
        if (col == Outcome && e.latestOutcome) {
            const nlohmann::json &d = e.latestOutcome->value().detail;
            QString message;
            if (d.is_object() && d.contains("message") && d["message"].is_string())
                message = QString::fromStdString(d["message"].get<std::string>());
            const QString at = QDateTime::fromMSecsSinceEpoch(e.latestOutcome->value().at)
                                   .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
            return message.isEmpty() ? QStringLiteral("at %1").arg(at)
                                     : QStringLiteral("at %1: %2").arg(at, message);
        }
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    if (!e.request.isOk() && col == Reason)
        return QStringLiteral("bad audit row: %1").arg(e.request.reason());
    switch (col) {
    case When:
        return QDateTime::fromMSecsSinceEpoch(r.at).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case Operator:
        return r.dbRole.isEmpty() || r.dbRole == r.operatorName
            ? r.operatorName
            : QStringLiteral("%1 (db: %2)").arg(r.operatorName, r.dbRole);
    case Action:
        return enumToText(r.action);
    case Target:
        return r.target;
    case Outcome:
        return outcomeText(e);
    case Reason:
        return r.reason;
    default:
        return {};
    }
}

QVariant AuditLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case When:
        return QStringLiteral("When");
    case Operator:
        return QStringLiteral("Operator");
    case Action:
        return QStringLiteral("Action");
    case Target:
        return QStringLiteral("Target");
    case Outcome:
        return QStringLiteral("Outcome");
    case Reason:
        return QStringLiteral("Reason");
    default:
        return {};
    }
}

} // namespace switchboard
