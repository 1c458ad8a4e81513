#include "models/PromptVersionModel.h"

#include "models/PromptFormat.h"
#include "models/UntrustedText.h"

#include <QDateTime>
#include <QLocale>

namespace switchboard {

PromptVersionModel::PromptVersionModel(QObject *parent)
    : PagedTableModel(parent)
{ }

void PromptVersionModel::setMetrics(const QVector<PromptVersionMetrics> &metrics)
{
    m_metrics.clear();
    for (const PromptVersionMetrics &m : metrics)
        m_metrics.insert(m.version, m);
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, EventsPerHour), index(rowCount() - 1, FailedPerHour));
}

void PromptVersionModel::setActiveVersion(qint64 version)
{
    if (version == m_active)
        return;
    m_active = version;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, Version), index(rowCount() - 1, Version));
}

int PromptVersionModel::rowOf(qint64 version) const
{
    for (int i = 0; i < rows().size(); ++i)
        if (rows().at(i).version.version == version)
            return i;
    return -1;
}

int PromptVersionModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool PromptVersionModel::before(const PromptVersionRow &a, const PromptVersionRow &b) const
{
    return a.version.version > b.version.version; // newest first
}

bool PromptVersionModel::same(const PromptVersionRow &a, const PromptVersionRow &b) const
{
    // Versions are immutable; only a bad row's reason could differ.
    return a.version.version == b.version.version && a.problem == b.problem
        && a.bodyBytes == b.bodyBytes;
}

QVariant PromptVersionModel::data(const QModelIndex &index, int role) const
{
    const QVariant v = rawData(index, role);
    if (role == Qt::ToolTipRole)
        return untrusted::toolTip(v.toString());
    if (role == Qt::DisplayRole && v.typeId() == QMetaType::QString)
        return untrusted::line(v.toString());
    return v;
}

QVariant PromptVersionModel::rawData(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const PromptVersionRow &r = rowAt(index.row());
    const PromptVersion &v = r.version;
    const auto metric = m_metrics.constFind(v.version);
    const bool hasMetric = metric != m_metrics.constEnd() && metric->activeMs > 0;
    const int col = index.column();
    if (role == promptroles::Problem)
        return r.problem;
    if (role == promptroles::Status) {
        if (col == Version && !r.problem.isEmpty())
            return int(PromptRowStatus::Error);
        if (col == Version && v.version == m_active)
            return int(PromptRowStatus::Ok);
        if (col == Eval)
            return int(!v.evalPassed
                           ? PromptRowStatus::Idle
                           : (*v.evalPassed ? PromptRowStatus::Ok : PromptRowStatus::Error));
        return {};
    }
    if (role == Qt::ToolTipRole) {
        if (!r.problem.isEmpty())
            return r.problem;
        if (col == Created)
            return promptformat::absolute(v.createdAt);
        if (col == Note)
            return v.note;
        if ((col == EventsPerHour || col == FailedPerHour) && hasMetric)
            return QStringLiteral("%1 recovery events, %2 failed, over %3 h active in %4 "
                                  "deployment interval(s)")
                .arg(metric->events)
                .arg(metric->failed)
                .arg(double(metric->activeMs) / 3600000.0, 0, 'f', 1)
                .arg(metric->intervals);
        if (col == Version && v.version == m_active)
            return QStringLiteral("the active version");
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        if (col == Version || col == Score || col == EventsPerHour || col == FailedPerHour
            || col == Body)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    const bool display = role == Qt::DisplayRole;
    if (!display && role != promptroles::SortKey)
        return {};
    const qint64 now = m_now ? m_now : QDateTime::currentMSecsSinceEpoch();
    switch (Column(col)) {
    case Version:
        if (!display)
            return v.version;
        return v.version == m_active ? QStringLiteral("v%1 active").arg(v.version)
                                     : QStringLiteral("v%1").arg(v.version);
    case Created:
        return display ? QVariant(promptformat::relative(v.createdAt, now)) : QVariant(v.createdAt);
    case CreatedBy:
        return v.createdBy;
    case Note:
        return display ? QVariant(v.note.left(200).replace(QLatin1Char('\n'), QLatin1Char(' ')))
                       : QVariant(v.note);
    case Model:
        return v.model;
    case Suite:
        return v.evalSuite;
    case Score:
        if (!v.evalScore)
            return display ? QVariant() : QVariant(-1.0);
        return display ? QVariant(QString::number(*v.evalScore, 'f', 3)) : QVariant(*v.evalScore);
    case Eval:
        if (!v.evalPassed)
            return QStringLiteral("not evaluated");
        return *v.evalPassed ? QStringLiteral("passed") : QStringLiteral("FAILED");
    case EventsPerHour:
        if (!hasMetric)
            return display ? QVariant() : QVariant(-1.0);
        return display ? QVariant(QStringLiteral("%1 /h").arg(metric->eventsPerHour(), 0, 'f', 1))
                       : QVariant(metric->eventsPerHour());
    case FailedPerHour:
        if (!hasMetric)
            return display ? QVariant() : QVariant(-1.0);
        return display ? QVariant(QStringLiteral("%1 /h").arg(metric->failedPerHour(), 0, 'f', 1))
                       : QVariant(metric->failedPerHour());
    case Body:
        return display ? QVariant(promptformat::bytes(r.bodyBytes)) : QVariant(r.bodyBytes);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant PromptVersionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const names[] = {"Version",      "Created",           "By",    "Note",
                                        "Pinned model", "Eval suite",        "Score", "Eval",
                                        "Recoveries",   "Failed recoveries", "Body"};
    if (section < 0 || section >= ColumnCount)
        return {};
    return QString::fromLatin1(names[section]);
}

} // namespace switchboard
