#pragma once
// Agents with their active prompt version: version, pinned model, deployed when / by, and
// whether agents were notified of it (a deployment Redis never heard of is a warning row).
#include "core/services/PromptSnapshots.h"
#include "models/KeyedTableModel.h"

namespace switchboard {

class PromptAgentModel : public KeyedTableModel<PromptAgentRow>
{
    Q_OBJECT
public:
    enum Column { Agent, Version, Notified, Deployed, DeployedBy, Model, ColumnCount };

    explicit PromptAgentModel(QObject *parent = nullptr);

    void setRows(const QVector<PromptAgentRow> &rows) { merge(rows); }
    int rowOf(const QString &agent) const;
    void setNow(qint64 nowMs) { m_now = nowMs; }

    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role) const override;

private:
    // data() before untrusted::line() / toolTip() (agents, authors, notes, reasons).
    QVariant rawData(const QModelIndex &index, int role) const;

public:
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

protected:
    bool before(const PromptAgentRow &a, const PromptAgentRow &b) const override;
    bool same(const PromptAgentRow &a, const PromptAgentRow &b) const override;

private:
    qint64 m_now = 0; // 0 = the wall clock
};

} // namespace switchboard
