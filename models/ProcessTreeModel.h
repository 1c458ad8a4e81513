#pragma once
// The fleet as a tree: host -> layer -> app -> instance, built from IndexDeltaPoller
// deltas of `N procs`. It merges: new instances are inserted, removed ones removed, a
// changed one gets dataChanged on its row (and its app and host rows); it never resets,
// so selection and scroll survive. A host is silent when every instance's heartbeat is
// older than 3 x its heartbeat interval or its hash has expired.
#include "core/contract/ProcessRecord.h"
#include "core/types/IndexDelta.h"
#include "core/types/LoggedProcessEvent.h"
#include "core/util/TimeSlicer.h"

#include <QAbstractItemModel>
#include <QHash>
#include <QSet>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace switchboard {

class ProcessTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column {
        Name,
        Status,
        Pid,
        Restarts,
        RestartsHour,
        Unstable,
        Uptime,
        Cpu,
        Memory,
        Version,
        Heartbeat,
        ColumnCount
    };
    enum Kind { RootNode, HostNode, LayerNode, AppNode, InstanceNode };
    enum Role {
        KindRole = Qt::UserRole + 1, // Kind
        StatusKindRole, // int: 0 ok, 1 busy, 2 warning, 3 error, 4 idle (widgets/StatusGlyph)
        SortRole, // numbers as numbers
        SilentRole, // bool: greyed
        MemberRole, // instance: the procs member
        HostRole,
        AppRole,
        PmIdRole, // instance: pm_id; app: -1 (all)
        ExecModeRole, // "cluster" / "fork"
        BadRole // non-empty: why the row's record is bad
    };

    explicit ProcessTreeModel(QObject *parent = nullptr);
    ~ProcessTreeModel() override;

    // The clock is injectable so tests can age heartbeats; default: wall clock.
    void setClock(std::function<qint64()> nowMs) { m_now = std::move(nowMs); }

    // Queues the delta and applies it in slices of about sliceBudgetMs of GUI-thread time,
    // the rest on the next event-loop passes (a 10 000-row first load, a refresh wave);
    // small deltas apply at once. Deltas apply in order; one coalesced dataChanged per
    // parent per slice.
    // A delta that arrives while older ones still wait (applying fell behind the polls)
    // prunes them: a newer upsert or removal of a member replaces an older queued upsert,
    // a newer touch an older touch, so the queue stays about one fleet long.
    void applyDelta(const IndexDelta &delta);
    void setSliceBudgetMs(int ms) { m_slicer.setBudgetMs(ms); } // 0: whole deltas at once
    bool isApplying() const { return !m_pending.empty() || m_slicer.isScheduled(); }
    void applyPendingNow(); // the rest of the queue at once (tests); no slice stays armed
    qsizetype queuedEntries() const; // upserts, touches, removals, vanishings not applied yet
    void addEvents(const QVector<LoggedProcessEvent> &events);
    // Heartbeat ages and uptimes move with the clock. Ages never change the order of rows
    // (age = now - score for all), so only rows whose silence changed get dataChanged,
    // plus one for the host rows; the view repaints the rest once a second.
    void tick();

    int instanceCount() const { return int(m_instances.size()); }
    QModelIndex indexOfMember(const QByteArray &member) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    struct Node; // opaque outside the model's own files (ProcessTreeNode.h)
    struct GroupAggregate
    {
        int total = 0, online = 0, silent = 0, bad = 0, worst = 0;
        qint64 restarts = 0, hour = 0, unstable = 0, memory = 0, newest = 0;
        double cpu = 0;
        const Node *last = nullptr; // version, host, app, mode: of any instance (the last)
    };

Q_SIGNALS:
    void applied(); // the delta queue is empty again

private:
    Node *nodeOf(const QModelIndex &index) const;
    QModelIndex indexOf(Node *node, int column = 0) const;
    Node *child(Node *parent, Kind kind, const QString &key, bool create);
    Node *hostFor(const QString &host);
    void insertStagedHosts();
    void pruneQueued(const IndexDelta &newer);
    bool drain(const TimeSlicer::Slice &slice); // true: more is left for the next pass
    bool applyStep(const IndexDelta &d, int stage, qsizetype i);
    void upsert(const IndexRecord &record);
    void removeInstance(const QByteArray &member);
    void touchRow(Node *node);
    void flushTouched();
    bool emitSpans(QSet<Node *> &touched, qsizetype maxParents = -1,
                   const TimeSlicer::Slice *slice = nullptr);
    bool isSilent(const Node *instance, qint64 now) const;
    QVariant instanceData(const Node *n, int column, int role) const;
    QVariant groupData(const Node *n, int column, int role) const;
    const GroupAggregate &aggregate(const Node *n, qint64 now) const;

    std::unique_ptr<Node> m_root;
    QHash<QByteArray, Node *> m_instances;
    QHash<QByteArray, QVector<qint64>> m_restartTimes; // member -> times it came online (last hour)
    QSet<Node *> m_touched; // instance rows to signal
    QSet<Node *> m_touchedGroups; // app, layer, host rows: signalled when the queue is empty
    struct Pending
    {
        IndexDelta delta;
        int stage = 0; // 0 removed, 1 upserts, 2 touched, 3 vanished
        qsizetype pos = 0;
    };
    std::deque<Pending> m_pending;
    TimeSlicer m_slicer; // the queue in slices of ~2 ms (setSliceBudgetMs)
    // New hosts of the current slice, built with their layers, apps and instances off the
    // tree and inserted by one beginInsertRows at the end of the slice: a first load was
    // ~14 000 single-row inserts through proxy and tree (a 20-30 ms slice, bench_procs).
    std::vector<std::unique_ptr<Node>> m_stagedHosts;
    QHash<QString, Node *> m_stagedByKey;
    qsizetype m_stagedInstances = 0;
    qint64 m_lastTickMs = 0;
    quint64 m_generation = 1; // moves with every change: group aggregates are recomputed
    std::function<qint64()> m_now;
};

} // namespace switchboard
