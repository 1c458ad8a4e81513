#pragma once
// The tree's node, shared by ProcessTreeModel.cpp (structure) and
// ProcessTreeModelData.cpp (what each column shows).
#include "models/ProcessTreeModel.h"

namespace switchboard {

struct ProcessTreeModel::Node
{
    Kind kind = RootNode;
    QString key; // host / layer / app name; instance: pm_id
    Node *parent = nullptr;
    int row = 0;
    std::vector<std::unique_ptr<Node>> children;
    QHash<QString, Node *> byKey;
    // Instances only.
    QByteArray member;
    ProcessRecord rec;
    QString bad; // why the record is bad; empty when good
    qint64 score = 0; // last heartbeat (the zset score)
    bool vanished = false; // hash expired: the bridge went silent
    bool staged = false; // host only: built this slice, not yet inserted (see m_stagedHosts)
    // Group rows only: the aggregate of the instances below, valid while
    // aggregateGeneration == the model's generation.
    mutable GroupAggregate aggregate;
    mutable quint64 aggregateGeneration = 0;
};

namespace proctree {
QString duration(qint64 ms); // "12 s", "3 min", "2 h 5 min"
QString absolute(qint64 ms); // local date and time, for tooltips
int statusKind(ProcessStatus s); // ProcessTreeModel::StatusKindRole value
} // namespace proctree

} // namespace switchboard
