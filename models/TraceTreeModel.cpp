#include "models/TraceTreeModel.h"

#include "models/PaletteColor.h"
#include "models/UntrustedText.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QFont>
#include <QLocale>

namespace switchboard {

TraceTreeModel::TraceTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
{ }

void TraceTreeModel::setSnapshot(TraceSnapshotPtr snapshot)
{
    beginResetModel();
    m_trace = std::move(snapshot);
    endResetModel();
}

QModelIndex TraceTreeModel::indexOfNode(int node, int column) const
{
    if (!m_trace || node < 0 || node >= m_trace->nodes.size())
        return {};
    return createIndex(m_trace->nodes[node].row, column, quintptr(node));
}

int TraceTreeModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? int(index.internalId()) : -1;
}

QModelIndex TraceTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!m_trace || row < 0 || column < 0 || column >= ColumnCount)
        return {};
    const QVector<int> &list
        = parent.isValid() ? m_trace->nodes[nodeOf(parent)].children : m_trace->roots;
    if (row >= list.size())
        return {};
    return createIndex(row, column, quintptr(list[row]));
}

QModelIndex TraceTreeModel::parent(const QModelIndex &child) const
{
    if (!m_trace || !child.isValid())
        return {};
    return indexOfNode(m_trace->nodes[nodeOf(child)].parent);
}

int TraceTreeModel::rowCount(const QModelIndex &parent) const
{
    if (!m_trace)
        return 0;
    if (!parent.isValid())
        return int(m_trace->roots.size());
    if (parent.column() != 0)
        return 0;
    return int(m_trace->nodes[nodeOf(parent)].children.size());
}

int TraceTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

bool TraceTreeModel::hasChildren(const QModelIndex &parent) const
{
    return rowCount(parent) > 0;
}

QString TraceTreeModel::tokens(qint64 value)
{
    if (value < 0)
        return {};
    return QLocale::c().toString(value).replace(QLatin1Char(','), QChar(0x2009));
}

namespace {
QString duration(double ms)
{
    if (ms < 1000)
        return QString::number(ms, 'f', ms < 10 ? 1 : 0) + QStringLiteral(" ms");
    if (ms < 60000)
        return QString::number(ms / 1000, 'f', 2) + QStringLiteral(" s");
    return QString::number(ms / 60000, 'f', 1) + QStringLiteral(" min");
}
} // namespace

QVariant TraceTreeModel::display(const TraceNode &n, int column) const
{
    switch (column) {
    case Name:
        return n.problem.isEmpty() ? untrusted::line(n.name)
                                   : QString(QStringLiteral("⚠ ") + untrusted::line(n.name));
    case Kind:
        return enumToText(n.kind);
    case Status:
        switch (n.status) {
        case SpanStatus::Ok:
            return n.subtreeErrors > 0 ? QStringLiteral("✓ ok (%1 below)").arg(n.subtreeErrors)
                                       : QStringLiteral("✓ ok");
        case SpanStatus::Error:
            return QStringLiteral("✗ error");
        case SpanStatus::Cancelled:
            return QStringLiteral("⊘ cancelled");
        }
        return {};
    case Start:
        return QString(QStringLiteral("+") + duration(double(n.startedAt - m_trace->startMs)));
    case Duration:
        return duration(n.durationMs);
    case InputTokens:
        return tokens(n.inputTokens);
    case OutputTokens:
        return tokens(n.outputTokens);
    case CacheRead:
        return tokens(n.cacheReadTokens);
    case CacheWrite:
        return tokens(n.cacheWriteTokens);
    case Ttft:
        return n.firstTokenAt >= 0 ? duration(double(n.firstTokenAt - n.startedAt)) : QString();
    case SubtreeTokens:
        return n.children.isEmpty() ? QString() : tokens(n.subtreeTokens);
    case Errors:
        return n.subtreeErrors > 0 ? QString::number(n.subtreeErrors) : QString();
    }
    return {};
}

QString TraceTreeModel::toolTip(const TraceNode &n, int column) const
{
    if (!n.problem.isEmpty())
        return n.problem;
    if (column == Status && n.status == SpanStatus::Error)
        return n.errorType.isEmpty() ? n.error
                                     : QString(n.errorType + QStringLiteral(": ") + n.error);
    if (column == Start)
        return QDateTime::fromMSecsSinceEpoch(n.startedAt, Qt::UTC).toString(Qt::ISODateWithMs);
    if (column == Name)
        return QStringLiteral("%1\nspan %2\n%3 spans below, %4 tokens in subtree")
            .arg(n.name, n.spanId)
            .arg(n.subtreeSpans - 1)
            .arg(n.subtreeTokens);
    return {};
}

QVariant TraceTreeModel::data(const QModelIndex &index, int role) const
{
    if (!m_trace || !index.isValid())
        return {};
    const int node = nodeOf(index);
    const TraceNode &n = m_trace->nodes[node];
    switch (role) {
    case Qt::DisplayRole:
        return display(n, index.column());
    case Qt::ToolTipRole:
        return untrusted::toolTip(toolTip(n, index.column()));
    case Qt::TextAlignmentRole:
        if (index.column() >= Start && index.column() != Waterfall)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == Status && n.status == SpanStatus::Error)
            return QBrush(errorText());
        if (index.column() == Status && n.status == SpanStatus::Cancelled)
            return QBrush(warningText());
        if (index.column() == Kind)
            return QBrush(mutedText());
        return {};
    case NodeRole:
        return node;
    case WaterfallStartRole:
    case WaterfallWidthRole: {
        const TraceNode &root = m_trace->nodes[n.root];
        const double window = std::max(1.0, root.durationMs);
        const double start = std::clamp(double(n.startedAt - root.startedAt) / window, 0.0, 1.0);
        if (role == WaterfallStartRole)
            return start;
        return std::clamp(n.durationMs / window, 0.0, 1.0 - start);
    }
    case IsErrorRole:
        return n.status == SpanStatus::Error;
    case KindRole:
        return int(n.kind);
    default:
        return {};
    }
}

QVariant TraceTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const names[]
        = {"Span",   "Kind",    "Status",     "Start",       "Duration", "Waterfall (turn)",
           "In tok", "Out tok", "Cache read", "Cache write", "TTFT",     "Subtree tok",
           "Errors"};
    return QString::fromLatin1(names[section]);
}

} // namespace switchboard
