#pragma once
// The deployment history of one agent as a timeline, newest first, keyset-paged: deploy or
// rollback, from which version to which, who, when, why, and whether agents were notified.
#include "core/services/PromptSnapshots.h"
#include "models/PagedTableModel.h"

namespace switchboard {

class PromptDeploymentModel : public PagedTableModel<PromptDeploymentRow>
{
    Q_OBJECT
public:
    enum Column { Id, When, Kind, Change, By, Reason, Notified, ColumnCount };

    explicit PromptDeploymentModel(QObject *parent = nullptr);

    void setNow(qint64 nowMs) { m_now = nowMs; }
    qint64 lastId() const { return rows().isEmpty() ? 0 : rows().last().deployment.id; }

    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role) const override;

private:
    // data() before untrusted::line() / toolTip() (agents, authors, notes, reasons).
    QVariant rawData(const QModelIndex &index, int role) const;

public:
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

Q_SIGNALS:
    void moreRequested(qint64 beforeId);

protected:
    void requestPageAfterLast() override { Q_EMIT moreRequested(lastId()); }
    bool before(const PromptDeploymentRow &a, const PromptDeploymentRow &b) const override;
    bool same(const PromptDeploymentRow &a, const PromptDeploymentRow &b) const override;

private:
    qint64 m_now = 0;
};

} // namespace switchboard
