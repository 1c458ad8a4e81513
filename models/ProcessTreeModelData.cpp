// What each column of ProcessTreeModel shows, for instances and for the group rows
// (app, layer, host: aggregates of their instances).
#include "models/ProcessTreeNode.h"

#include <QDateTime>

#include <algorithm>

namespace switchboard {

namespace proctree {

QString duration(qint64 ms)
{
    const qint64 s = qMax<qint64>(0, ms / 1000);
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min").arg(s / 60);
    if (s < 86400)
        return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
    return QStringLiteral("%1 d %2 h").arg(s / 86400).arg((s % 86400) / 3600);
}

QString absolute(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

int statusKind(ProcessStatus s)
{
    switch (s) {
    case ProcessStatus::Online:
        return 0;
    case ProcessStatus::Launching:
    case ProcessStatus::Stopping:
        return 1;
    case ProcessStatus::Stopped:
        return 4;
    case ProcessStatus::Errored:
        return 3;
    }
    return 3;
}

} // namespace proctree

using namespace proctree;

namespace {

constexpr int kWarning = 2;
constexpr int kError = 3;

QString memoryText(qint64 bytes)
{
    return QStringLiteral("%1 MiB").arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 1);
}

template<typename F> void forInstances(const ProcessTreeModel::Node *n, F &&f)
{
    if (n->kind == ProcessTreeModel::InstanceNode) {
        f(n);
        return;
    }
    for (const auto &c : n->children)
        forInstances(c.get(), f);
}

} // namespace

QVariant ProcessTreeModel::instanceData(const Node *n, int column, int role) const
{
    const ProcessRecord &r = n->rec;
    const qint64 now = m_now();
    const bool silent = isSilent(n, now);
    const bool online = r.status == ProcessStatus::Online && !silent;
    const QVector<qint64> times = m_restartTimes.value(n->member);
    const int restartsHour = int(std::count_if(times.cbegin(), times.cend(),
                                               [now](qint64 t) { return t >= now - 3600 * 1000; }));
    switch (role) {
    case SilentRole:
        return silent;
    case MemberRole:
        return n->member;
    case HostRole:
        return r.host;
    case AppRole:
        return r.app;
    case PmIdRole:
        return qint64(r.pmId);
    case ExecModeRole:
        return enumToText(r.execMode);
    case BadRole:
        return n->bad;
    case StatusKindRole:
        return !n->bad.isEmpty() ? kError : silent ? kWarning : statusKind(r.status);
    default:
        break;
    }
    if (role == SortRole) {
        switch (column) {
        case Name:
            return qint64(r.pmId);
        case Status:
            return silent ? 10 : int(r.status);
        case Pid:
            return r.pid.value_or(-1);
        case Restarts:
            return r.restarts;
        case RestartsHour:
            return restartsHour;
        case Unstable:
            return r.unstableRestarts;
        case Uptime:
            return online && r.startedAt ? now - *r.startedAt : qint64(-1);
        case Cpu:
            return r.cpu.value_or(-1.0);
        case Memory:
            return r.memory.value_or(-1);
        case Version:
            return r.version;
        case Heartbeat:
            return now - n->score;
        }
        return {};
    }
    if (role == Qt::ToolTipRole) {
        if (!n->bad.isEmpty())
            return QStringLiteral("Bad record %1: %2").arg(QString::fromUtf8(n->member), n->bad);
        if (column == Heartbeat || (column == Status && silent))
            return QStringLiteral("last heartbeat %1 (every %2 ms; silent after 3 beats)%3")
                .arg(absolute(n->score))
                .arg(r.heartbeatMs)
                .arg(n->vanished ? QStringLiteral("; its hash expired") : QString());
        if (column == RestartsHour)
            return QStringLiteral("(re)starts in the last hour: PM2 `online` events");
        if (column == Uptime && r.startedAt)
            return QStringLiteral("started %1").arg(absolute(*r.startedAt));
        if (column == Name)
            return QStringLiteral("%1 (%2 mode)")
                .arg(QString::fromUtf8(n->member), enumToText(r.execMode));
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Name:
        return QStringLiteral("%1 #%2").arg(r.app).arg(r.pmId);
    case Status:
        if (!n->bad.isEmpty())
            return QStringLiteral("bad record");
        if (silent)
            return QStringLiteral("silent %1").arg(duration(now - n->score));
        return enumToText(r.status);
    case Pid:
        return r.pid ? QString::number(*r.pid) : QString();
    case Restarts:
        return QString::number(r.restarts);
    case RestartsHour:
        return QString::number(restartsHour);
    case Unstable:
        return QString::number(r.unstableRestarts);
    case Uptime:
        return online && r.startedAt ? duration(now - *r.startedAt) : QString();
    case Cpu:
        return r.cpu && !silent ? QStringLiteral("%1 %").arg(*r.cpu, 0, 'f', 1) : QString();
    case Memory:
        return r.memory && !silent ? memoryText(*r.memory) : QString();
    case Version:
        return r.version;
    case Heartbeat:
        return QStringLiteral("%1 ago").arg(duration(now - n->score));
    }
    return {};
}

const ProcessTreeModel::GroupAggregate &ProcessTreeModel::aggregate(const Node *n, qint64 now) const
{
    // A host row's cell asks 5-8 roles per paint (display, colour, icon, silence...) and
    // each walked the host's instances (perf: paints of 10-25 ms, bench_procs). Computed
    // once per change of the model (m_generation moves with every applied step, tick and
    // event), so once per paint.
    GroupAggregate &g = n->aggregate;
    if (n->aggregateGeneration == m_generation)
        return g;
    n->aggregateGeneration = m_generation;
    g = GroupAggregate();
    forInstances(n, [&](const Node *i) {
        ++g.total;
        const bool s = isSilent(i, now);
        g.silent += s ? 1 : 0;
        g.bad += i->bad.isEmpty() ? 0 : 1;
        g.online += !s && i->rec.status == ProcessStatus::Online ? 1 : 0;
        const int kind = !i->bad.isEmpty() ? kError : s ? kWarning : statusKind(i->rec.status);
        if (kind == kError || (kind == kWarning && g.worst != kError)
            || (g.worst == 0 && kind != 0))
            g.worst = kind;
        g.restarts += i->rec.restarts;
        const auto times = m_restartTimes.constFind(i->member);
        if (times != m_restartTimes.cend()) {
            for (qint64 t : *times)
                g.hour += t >= now - 3600 * 1000 ? 1 : 0;
        }
        g.unstable += i->rec.unstableRestarts;
        g.memory += s ? 0 : i->rec.memory.value_or(0);
        g.cpu += s ? 0 : i->rec.cpu.value_or(0);
        g.newest = qMax(g.newest, i->score);
        g.last = i;
    });
    return g;
}

QVariant ProcessTreeModel::groupData(const Node *n, int column, int role) const
{
    // The proxy sorts by SortRole and asks it for every comparison: the name needs no
    // aggregate over the instances below (that walk was most of a 500-host sort).
    const bool aggregated = column == Status || column == Restarts || column == RestartsHour
        || column == Unstable || column == Cpu || column == Memory || column == Heartbeat;
    if (role == SortRole && !aggregated)
        return n->key;
    if (role == PmIdRole)
        return qint64(-1);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole && role != SortRole && role != SilentRole
        && role != StatusKindRole && role != BadRole && role != HostRole && role != AppRole
        && role != ExecModeRole)
        return {};
    const qint64 now = m_now();
    const GroupAggregate &g = aggregate(n, now);
    const int total = g.total, online = g.online, silent = g.silent, bad = g.bad, worst = g.worst;
    const qint64 restarts = g.restarts, hour = g.hour, unstable = g.unstable, memory = g.memory,
                 newest = g.newest;
    const double cpu = g.cpu;
    const Node *last = g.last;
    const QString version = last ? last->rec.version : QString();
    const QString host = last ? last->rec.host : QString();
    const QString app = last ? last->rec.app : QString();
    const QString execMode = last ? enumToText(last->rec.execMode) : QString();
    const bool allSilent = total > 0 && silent == total;
    switch (role) {
    case SilentRole:
        return allSilent;
    case HostRole:
        return host;
    case AppRole:
        return n->kind == AppNode ? app : QString();
    case PmIdRole:
        return qint64(-1);
    case ExecModeRole:
        return execMode;
    case BadRole:
        return bad ? QStringLiteral("%1 bad record(s)").arg(bad) : QString();
    case StatusKindRole:
        return allSilent ? kWarning : worst;
    case SortRole:
        switch (column) {
        case Name:
            return n->key;
        case Status:
            return allSilent ? 10 : worst;
        case Restarts:
            return restarts;
        case RestartsHour:
            return hour;
        case Unstable:
            return unstable;
        case Cpu:
            return cpu;
        case Memory:
            return memory;
        case Heartbeat:
            return now - newest;
        default:
            return n->key;
        }
    case Qt::ToolTipRole:
        if (allSilent)
            return QStringLiteral("No heartbeat from %1 since %2").arg(n->key, absolute(newest));
        if (column == Heartbeat)
            return QStringLiteral("newest heartbeat %1").arg(absolute(newest));
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (column) {
    case Name:
        return n->kind == AppNode ? QStringLiteral("%1  (%2)").arg(n->key, execMode) : n->key;
    case Status:
        if (allSilent)
            return QStringLiteral("silent since %1 (%2)")
                .arg(QDateTime::fromMSecsSinceEpoch(newest).toString(QStringLiteral("HH:mm:ss")),
                     duration(now - newest));
        return QStringLiteral("%1/%2 online%3")
            .arg(online)
            .arg(total)
            .arg(silent ? QStringLiteral(", %1 silent").arg(silent) : QString());
    case Restarts:
        return QString::number(restarts);
    case RestartsHour:
        return QString::number(hour);
    case Unstable:
        return QString::number(unstable);
    case Cpu:
        return allSilent ? QString() : QStringLiteral("%1 %").arg(cpu, 0, 'f', 1);
    case Memory:
        return allSilent ? QString() : memoryText(memory);
    case Version:
        return n->kind == AppNode ? version : QString();
    case Heartbeat:
        return newest ? QStringLiteral("%1 ago").arg(duration(now - newest)) : QString();
    default:
        return {};
    }
}

} // namespace switchboard
