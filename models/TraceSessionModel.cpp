#include "models/TraceSessionModel.h"

#include "models/PaletteColor.h"
#include "models/UntrustedText.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QFont>

namespace switchboard {

QString relativeTime(qint64 thenMs, qint64 nowMs)
{
    const qint64 s = std::max<qint64>(0, (nowMs - thenMs) / 1000);
    if (s < 60)
        return QStringLiteral("%1 s ago").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min ago").arg(s / 60);
    if (s < 86400 * 2)
        return QStringLiteral("%1 h ago").arg(s / 3600);
    return QStringLiteral("%1 d ago").arg(s / 86400);
}

TraceSessionModel::TraceSessionModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

qint64 TraceSessionModel::now() const
{
    return m_nowMs ? m_nowMs : QDateTime::currentMSecsSinceEpoch();
}

void TraceSessionModel::replace(const QVector<SessionSummary> &rows)
{
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

void TraceSessionModel::append(const QVector<SessionSummary> &rows)
{
    if (rows.isEmpty())
        return;
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + rows.size() - 1));
    m_rows += rows;
    endInsertRows();
}

int TraceSessionModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TraceSessionModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TraceSessionModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const SessionSummary &s = m_rows[index.row()];
    const int c = index.column();
    if (role == SessionIdRole)
        return s.sessionId;
    if (role == SortRole) {
        switch (c) {
        case Started:
            return s.startedAt;
        case Turns:
            return s.turns;
        case MaxFill:
            return s.maxFillPct.value_or(-1);
        case Recovery:
            return s.recoveryEventCount;
        case Prompt:
            return s.promptVersion.value_or(-1);
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::DisplayRole) {
        switch (c) {
        case Started:
            return relativeTime(s.startedAt, now());
        case Session:
            return untrusted::line(s.sessionId);
        case Agent:
            return untrusted::line(s.agent);
        case Outcome: {
            const QString t = enumToText(s.outcome);
            if (s.outcome == SessionOutcome::Failed)
                return QString(QStringLiteral("✗ ") + t);
            if (s.outcome == SessionOutcome::Escalated)
                return QString(QStringLiteral("⚠ ") + t);
            return t;
        }
        case Turns:
            return s.turns;
        case MaxFill:
            return s.maxFillPct
                ? QString(QString::number(*s.maxFillPct, 'f', 0) + QStringLiteral(" %"))
                : QString();
        case Recovery:
            return s.recoveryEventCount > 0 ? QString::number(s.recoveryEventCount) : QString();
        case Prompt:
            return s.promptVersion ? QStringLiteral("v%1").arg(*s.promptVersion) : QString();
        case Model:
            return untrusted::line(s.model);
        case Host:
            return untrusted::line(s.host);
        }
        return {};
    }
    if (role == Qt::ToolTipRole && c == Started)
        return untrusted::toolTip(
            QDateTime::fromMSecsSinceEpoch(s.startedAt, Qt::UTC).toString(Qt::ISODateWithMs));
    if (role == Qt::TextAlignmentRole
        && (c == Turns || c == MaxFill || c == Recovery || c == Prompt))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && c == Outcome) {
        if (s.outcome == SessionOutcome::Failed)
            return QBrush(errorText());
        if (s.outcome == SessionOutcome::Escalated)
            return QBrush(warningText());
    }
    if (role == Qt::FontRole && c == Session) {
        QFont f(QStringLiteral("monospace"));
        f.setStyleHint(QFont::Monospace);
        return f;
    }
    return {};
}

QVariant TraceSessionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const names[] = {"Started",  "Session",  "Agent",  "Outcome", "Turns",
                                        "Max fill", "Recovery", "Prompt", "Model",   "Host"};
    return QString::fromLatin1(names[section]);
}

} // namespace switchboard
