#include "models/ProcessTreeModel.h"

#include "core/contract/Keys.h"
#include "core/contract/RecordFields.h"
#include "models/ProcessTreeNode.h"
#include "models/UntrustedText.h"

#include <QDateTime>

#include <algorithm>

namespace switchboard {

namespace {

constexpr qint64 kHourMs = 3600 * 1000;
// A slice ends early when this many instance rows wait for their dataChanged: the signals
// (through the proxy and the tree) are part of the slice's cost.
constexpr qsizetype kMaxTouchedPerSlice = 256;
constexpr qsizetype kGroupParentsPerSlice = 200;
// New instances staged under new hosts per slice (inserted with their host in one go).
constexpr qsizetype kMaxStagedPerSlice = 256;

// The host row above a node (or the node itself) is staged: built this slice, not in the
// tree yet, so nothing below it may be signalled.
bool underStagedHost(const ProcessTreeModel::Node *n)
{
    for (; n; n = n->parent) {
        if (n->kind == ProcessTreeModel::HostNode)
            return n->staged;
    }
    return false;
}

// "{host}:{app}:{pm_id}" from the right: host names may hold ':' (IPv6), app names not.
bool splitMember(const QByteArray &member, QString *host, QString *app, QString *pmId)
{
    const int b = member.lastIndexOf(':');
    const int a = b > 0 ? member.lastIndexOf(':', b - 1) : -1;
    if (a <= 0)
        return false;
    *host = QString::fromUtf8(member.left(a));
    *app = QString::fromUtf8(member.mid(a + 1, b - a - 1));
    *pmId = QString::fromUtf8(member.mid(b + 1));
    return true;
}

} // namespace

ProcessTreeModel::ProcessTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_root(std::make_unique<Node>())
    , m_slicer(
          2, [this](const TimeSlicer::Slice &slice) { return drain(slice); }, this)
    , m_now([] { return QDateTime::currentMSecsSinceEpoch(); })
{ }

ProcessTreeModel::~ProcessTreeModel() = default;

ProcessTreeModel::Node *ProcessTreeModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex ProcessTreeModel::indexOf(Node *node, int column) const
{
    if (!node || node == m_root.get())
        return {};
    return createIndex(node->row, column, node);
}

QModelIndex ProcessTreeModel::indexOfMember(const QByteArray &member) const
{
    return indexOf(m_instances.value(member));
}

ProcessTreeModel::Node *ProcessTreeModel::child(Node *parent, Kind kind, const QString &key,
                                                bool create)
{
    if (Node *n = parent->byKey.value(key))
        return n;
    if (!create)
        return nullptr;
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->key = key;
    node->parent = parent;
    node->row = int(parent->children.size());
    Node *raw = node.get();
    const bool signalled = !underStagedHost(parent);
    if (signalled)
        beginInsertRows(indexOf(parent), raw->row, raw->row);
    parent->children.push_back(std::move(node));
    parent->byKey.insert(key, raw);
    ++m_generation; // endInsertRows: views read the new row's aggregates
    if (signalled)
        endInsertRows();
    return raw;
}

ProcessTreeModel::Node *ProcessTreeModel::hostFor(const QString &host)
{
    if (Node *n = m_root->byKey.value(host))
        return n;
    if (Node *n = m_stagedByKey.value(host))
        return n;
    auto node = std::make_unique<Node>();
    node->kind = HostNode;
    node->key = host;
    node->parent = m_root.get();
    node->staged = true;
    Node *raw = node.get();
    m_stagedHosts.push_back(std::move(node));
    m_stagedByKey.insert(host, raw);
    return raw;
}

void ProcessTreeModel::insertStagedHosts()
{
    if (m_stagedHosts.empty())
        return;
    // New host rows are appended: one contiguous insert for all of this slice's new hosts,
    // each with its whole subtree (the proxy maps children when a host is expanded).
    const int first = int(m_root->children.size());
    beginInsertRows({}, first, first + int(m_stagedHosts.size()) - 1);
    for (auto &host : m_stagedHosts) {
        host->staged = false;
        host->row = int(m_root->children.size());
        m_root->byKey.insert(host->key, host.get());
        m_root->children.push_back(std::move(host));
    }
    m_stagedHosts.clear();
    m_stagedByKey.clear();
    m_stagedInstances = 0;
    ++m_generation;
    endInsertRows();
}

qsizetype ProcessTreeModel::queuedEntries() const
{
    qsizetype n = 0;
    for (const Pending &p : m_pending) {
        const qsizetype sizes[4] = {p.delta.removed.size(), p.delta.upserts.size(),
                                    p.delta.touched.size(), p.delta.vanished.size()};
        for (int st = p.stage; st < 4; ++st)
            n += sizes[st] - (st == p.stage ? qMin(p.pos, sizes[st]) : 0);
    }
    return n;
}

void ProcessTreeModel::pruneQueued(const IndexDelta &newer)
{
    // Only deltas not started yet (the front one may be mid-way through a stage). A newer
    // upsert or removal makes an older queued upsert of the member moot (its fields would
    // be overwritten or its row removed), a newer touch an older touch (a newer score).
    QSet<QByteArray> replaced, touched;
    for (const IndexRecord &r : newer.upserts)
        replaced.insert(r.member);
    for (const QByteArray &m : newer.removed)
        replaced.insert(m);
    for (const IndexRecord &r : newer.touched)
        touched.insert(r.member);
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        const bool started = it == m_pending.begin() && (it->stage != 0 || it->pos != 0);
        if (started) {
            ++it;
            continue;
        }
        if (!replaced.isEmpty())
            it->delta.upserts.removeIf(
                [&replaced](const IndexRecord &r) { return replaced.contains(r.member); });
        if (!touched.isEmpty())
            it->delta.touched.removeIf(
                [&touched](const IndexRecord &r) { return touched.contains(r.member); });
        if (it->delta.upserts.isEmpty() && it->delta.touched.isEmpty()
            && it->delta.removed.isEmpty() && it->delta.vanished.isEmpty())
            it = m_pending.erase(it);
        else
            ++it;
    }
}

void ProcessTreeModel::applyDelta(const IndexDelta &delta)
{
    if (delta.isEmpty())
        return;
    if (!m_pending.empty())
        pruneQueued(delta); // applying fell behind: keep the queue about one fleet long
    m_pending.push_back({delta, 0, 0});
    if (!m_slicer.isScheduled())
        m_slicer.runNow(); // the first slice at once: a small delta is merged before this returns
}

void ProcessTreeModel::applyPendingNow()
{
    const int budget = m_slicer.budgetMs();
    m_slicer.setBudgetMs(0);
    m_slicer.runNow(); // disarms a later slice, else it finds nothing and says applied() again
    m_slicer.setBudgetMs(budget);
}

bool ProcessTreeModel::drain(const TimeSlicer::Slice &slice)
{
    // A 10 000-row first load took ~70 ms in one go (release build, 2000 upserts of a
    // refresh wave ~20 ms): apply for about the slice budget, then let the event loop paint
    // and take input, and go on in the next pass. The clock is read every 16 steps.
    // Instance rows are signalled per slice; the group rows above them (app, layer, host:
    // aggregates) once the queue is empty. Signalled per slice, every slice of a poll
    // repainted the visible host rows (a 10-14 ms paint each, perf) and re-signalled the
    // same layers and hosts (~1000 dataChanged per slice through proxy and tree).
    qsizetype done = 0;
    while (!m_pending.empty()) {
        Pending &p = m_pending.front();
        const bool stepped = applyStep(p.delta, p.stage, p.pos);
        ++m_generation; // what the step changed after a signal read an aggregate
        if (!stepped) {
            p.pos = 0;
            if (++p.stage > 3)
                m_pending.pop_front(); // p is gone
            continue;
        }
        // The record's fields are freed as it is applied, inside the slice: freed with the
        // delta, a first load's 10 000 records (300 000 byte arrays) were one long pause.
        if (p.stage == 1 && p.delta.upserts.isDetached())
            p.delta.upserts[p.pos].fields = QList<QByteArray>();
        ++p.pos;
        if (++done % 16 == 0 && !slice.unlimited()
            && (slice.spent() || m_touched.size() >= kMaxTouchedPerSlice
                || m_stagedInstances >= kMaxStagedPerSlice))
            break;
    }
    insertStagedHosts();
    emitSpans(m_touched);
    // The group rows of a refresh wave are ~1000 parents (layers and apps of 500 hosts):
    // signalled kGroupParentsPerSlice at a time once the queue is empty.
    const bool groupsDone = (!m_pending.empty() || slice.unlimited())
        ? m_pending.empty() && emitSpans(m_touchedGroups)
        : emitSpans(m_touchedGroups, kGroupParentsPerSlice, &slice);
    if (!m_pending.empty() || !groupsDone)
        return true;
    Q_EMIT applied();
    return false;
}

bool ProcessTreeModel::applyStep(const IndexDelta &d, int stage, qsizetype i)
{
    ++m_generation;
    switch (stage) {
    case 0:
        if (i >= d.removed.size())
            return false;
        removeInstance(d.removed.at(i));
        return true;
    case 1:
        if (i >= d.upserts.size())
            return false;
        upsert(d.upserts.at(i));
        return true;
    case 2:
        if (i >= d.touched.size())
            return false;
        if (Node *n = m_instances.value(d.touched.at(i).member)) {
            // Only the new score is recorded: ages are computed when painted. A change of
            // silence is news (status text, colour, sort).
            const bool wasSilent = isSilent(n, m_now());
            n->score = d.touched.at(i).score;
            n->vanished = false;
            if (wasSilent)
                touchRow(n);
        }
        return true;
    case 3: {
        if (i >= d.vanished.size())
            return false;
        const IndexRecord &r = d.vanished.at(i);
        if (Node *n = m_instances.value(r.member)) {
            n->vanished = true;
            touchRow(n);
        } else {
            // Silent before we ever read it: place it by its member, mark it bad-ish.
            upsert(r);
            if (Node *p = m_instances.value(r.member)) {
                p->vanished = true;
                p->bad.clear();
            }
        }
        return true;
    }
    default:
        return false;
    }
}

void ProcessTreeModel::upsert(const IndexRecord &record)
{
    QString host, app, pmText;
    const bool placed = splitMember(record.member, &host, &app, &pmText);
    ProcessRecord rec;
    QString bad;
    if (!record.error.isEmpty()) {
        bad = QStringLiteral("process ") + QString::fromUtf8(record.member) + QStringLiteral(": ")
            + record.error; // could not be read at all (over the reply cap)
    } else if (record.fields.isEmpty()) {
        bad = QStringLiteral("no fields (hash gone or not a hash)");
    } else {
        const auto parsed = ProcessRecord::parse(RecordFields::fromFlatList(record.fields),
                                                 QString::fromUtf8(record.member));
        rec = parsed.value();
        if (!parsed.isOk())
            bad = parsed.message();
    }
    if (!placed) {
        host = rec.host.isEmpty() ? QStringLiteral("(unknown host)") : rec.host;
        app = rec.app.isEmpty() ? QString::fromUtf8(record.member) : rec.app;
        pmText = QString::number(rec.pmId);
    }
    if (placed && (record.fields.isEmpty() || !bad.isEmpty())) {
        rec.pmId = pmText.toLongLong(); // the member is the identity when the hash is not
        if (record.fields.isEmpty())
            rec.execMode = ExecMode::Fork; // unknown; shown without a mode below
    }
    if (rec.host.isEmpty())
        rec.host = host;
    if (rec.app.isEmpty())
        rec.app = app;
    const QString layer = rec.layer.isEmpty() ? QStringLiteral("(no layer)") : rec.layer;

    Node *existing = m_instances.value(record.member);
    if (existing) {
        Node *appNode = existing->parent;
        Node *layerNode = appNode->parent;
        Node *hostNode = layerNode->parent;
        if (appNode->key != app || layerNode->key != layer || hostNode->key != host) {
            removeInstance(record.member); // moved in the tree (layer changed)
            existing = nullptr;
        }
    }
    if (existing) {
        existing->rec = rec;
        existing->bad = bad;
        existing->score = record.score;
        existing->vanished = record.fields.isEmpty() && existing->vanished;
        touchRow(existing);
        return;
    }
    Node *hostNode = hostFor(host);
    Node *layerNode = child(hostNode, LayerNode, layer, true);
    Node *appNode = child(layerNode, AppNode, app, true);
    auto node = std::make_unique<Node>();
    node->kind = InstanceNode;
    node->key = pmText;
    node->parent = appNode;
    node->row = int(appNode->children.size());
    node->member = record.member;
    node->rec = rec;
    node->bad = bad;
    node->score = record.score;
    Node *raw = node.get();
    if (hostNode->staged) {
        // Inserted with its host at the end of the slice: no signal, nothing to touch.
        appNode->children.push_back(std::move(node));
        appNode->byKey.insert(pmText, raw);
        m_instances.insert(record.member, raw);
        ++m_stagedInstances;
        ++m_generation;
        return;
    }
    beginInsertRows(indexOf(appNode), raw->row, raw->row);
    appNode->children.push_back(std::move(node));
    ++m_generation;
    appNode->byKey.insert(pmText, raw);
    m_instances.insert(record.member, raw);
    endInsertRows();
    touchRow(appNode); // aggregates of app, layer, host change
}

void ProcessTreeModel::removeInstance(const QByteArray &member)
{
    insertStagedHosts(); // rows are removed with signals: their host must be in the tree
    Node *node = m_instances.take(member);
    while (node && node != m_root.get()) {
        Node *parent = node->parent;
        const int row = node->row;
        m_touched.remove(node);
        m_touchedGroups.remove(node);
        beginRemoveRows(indexOf(parent), row, row);
        parent->byKey.remove(node->key);
        parent->children.erase(parent->children.begin() + row);
        ++m_generation; // cached aggregates may point at the erased instance
        for (int i = row; i < int(parent->children.size()); ++i)
            parent->children[size_t(i)]->row = i;
        endRemoveRows();
        if (parent == m_root.get() || !parent->children.empty()) {
            touchRow(parent);
            break;
        }
        node = parent; // an empty app / layer / host goes too
    }
}

void ProcessTreeModel::touchRow(Node *node)
{
    if (!node || node == m_root.get())
        return;
    if (node->kind == InstanceNode)
        m_touched.insert(node);
    else
        m_touchedGroups.insert(node);
    for (Node *n = node->parent; n && n != m_root.get(); n = n->parent)
        m_touchedGroups.insert(n);
}

bool ProcessTreeModel::emitSpans(QSet<Node *> &touched, qsizetype maxParents,
                                 const TimeSlicer::Slice *slice)
{
    // One dataChanged per parent over the span of its touched rows: a full delta of a big
    // fleet costs a few hundred signals, not one per instance. With maxParents >= 0 at most
    // that many parents are signalled; the rest stay touched (false: some are left).
    QHash<Node *, QVector<Node *>> byParent;
    for (Node *n : std::as_const(touched))
        byParent[n->parent].append(n);
    touched.clear();
    qsizetype emitted = 0;
    for (auto it = byParent.cbegin(); it != byParent.cend(); ++it) {
        // With a slice clock, also stop when the slice has spent twice its budget (at least
        // 16 parents go out): bench_procs saw 8 ms slices at load 5 with 200 parents.
        const bool overBudget = slice && emitted >= 16 && slice->spent(2);
        if (maxParents >= 0 && (emitted >= maxParents || overBudget)) {
            for (Node *n : it.value())
                touched.insert(n);
            continue;
        }
        ++emitted;
        int first = it.value().constFirst()->row, last = first;
        for (const Node *n : it.value()) {
            first = qMin(first, n->row);
            last = qMax(last, n->row);
        }
        const QModelIndex parent = indexOf(it.key());
        Q_EMIT dataChanged(index(first, 0, parent), index(last, ColumnCount - 1, parent));
    }
    return touched.isEmpty();
}

void ProcessTreeModel::flushTouched()
{
    emitSpans(m_touched);
    emitSpans(m_touchedGroups);
}

void ProcessTreeModel::tick()
{
    // Was one dataChanged per parent per second over every row (~3500 signals at 500
    // hosts, each re-sorted by the proxy). Ages move together and never reorder rows; only
    // a row that fell silent (or woke) since the last tick changes status, colour, sort.
    ++m_generation; // silences and restarts in the last hour move with the clock
    const qint64 now = m_now();
    for (auto it = m_instances.cbegin(); it != m_instances.cend(); ++it) {
        if (isSilent(it.value(), now) != isSilent(it.value(), m_lastTickMs))
            touchRow(it.value());
    }
    m_lastTickMs = now;
    flushTouched();
    const int hosts = int(m_root->children.size());
    if (hosts > 0)
        Q_EMIT dataChanged(index(0, Status), index(hosts - 1, Heartbeat));
}

void ProcessTreeModel::addEvents(const QVector<LoggedProcessEvent> &events)
{
    ++m_generation;
    const qint64 since = m_now() - kHourMs;
    for (const LoggedProcessEvent &e : events) {
        // Every (re)start brings a process online, whoever caused it; PM2's own `restart`
        // bus event only comes for restarts a client asked for (bridge/README.md, "Not done yet").
        if (!e.error.isEmpty() || e.event.event != ProcessEventKind::Online || e.event.at < since)
            continue;
        const QByteArray member = Keys::procMember(e.event.host, e.event.app, int(e.event.pmId));
        QVector<qint64> &times = m_restartTimes[member];
        times.append(e.event.at);
        times.erase(
            std::remove_if(times.begin(), times.end(), [since](qint64 t) { return t < since; }),
            times.end());
        if (Node *n = m_instances.value(member))
            touchRow(n);
    }
    flushTouched();
}

bool ProcessTreeModel::isSilent(const Node *n, qint64 now) const
{
    return n->vanished || now - n->score > 3 * qMax<qint64>(100, n->rec.heartbeatMs);
}

QModelIndex ProcessTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    Node *p = nodeOf(parent);
    if (!p || row < 0 || column < 0 || column >= ColumnCount || row >= int(p->children.size()))
        return {};
    return createIndex(row, column, p->children[size_t(row)].get());
}

QModelIndex ProcessTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    return indexOf(nodeOf(child)->parent);
}

int ProcessTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return int(nodeOf(parent)->children.size());
}

int ProcessTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant ProcessTreeModel::headerData(int section, Qt::Orientation o, int role) const
{
    if (o != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole && section >= Pid && section != Version)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    static const char *names[] = {"Name",   "Status", "PID",    "Restarts", "1 h",      "Unstable",
                                  "Uptime", "CPU",    "Memory", "Version",  "Heartbeat"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(names[section]) : QString();
}

QVariant ProcessTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const Node *n = nodeOf(index);
    if (role == KindRole)
        return int(n->kind);
    if (role == Qt::TextAlignmentRole && index.column() >= Pid && index.column() != Version)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    const QVariant v = n->kind == InstanceNode ? instanceData(n, index.column(), role)
                                               : groupData(n, index.column(), role);
    // Host, app, layer, version, bad-record reasons: what bridges wrote (docs/style.md).
    if (role == Qt::ToolTipRole)
        return untrusted::toolTip(v.toString());
    if (role == Qt::DisplayRole && v.typeId() == QMetaType::QString)
        return untrusted::line(v.toString());
    return v;
}

} // namespace switchboard
