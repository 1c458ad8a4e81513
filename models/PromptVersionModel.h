#pragma once
// Every version of one agent, newest first, keyset-paged (fetchMore asks for the page after
// the last row), with its evaluation and how it behaved while active (recovery events per
// hour and failed recoveries per hour, merged in when they arrive).
#include "core/services/PromptSnapshots.h"
#include "models/PagedTableModel.h"

#include <QHash>

namespace switchboard {

class PromptVersionModel : public PagedTableModel<PromptVersionRow>
{
    Q_OBJECT
public:
    enum Column {
        Version,
        Created,
        CreatedBy,
        Note,
        Model,
        Suite,
        Score,
        Eval,
        EventsPerHour,
        FailedPerHour,
        Body,
        ColumnCount
    };

    explicit PromptVersionModel(QObject *parent = nullptr);

    void setMetrics(const QVector<PromptVersionMetrics> &metrics);
    void setActiveVersion(qint64 version);
    void setNow(qint64 nowMs) { m_now = nowMs; }
    int rowOf(qint64 version) const;
    qint64 lastVersion() const { return rows().isEmpty() ? 0 : rows().last().version.version; }

    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role) const override;

private:
    // data() before untrusted::line() / toolTip() (agents, authors, notes, reasons).
    QVariant rawData(const QModelIndex &index, int role) const;

public:
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

Q_SIGNALS:
    // The view asks the catalog for versions older than beforeVersion.
    void moreRequested(qint64 beforeVersion);

protected:
    void requestPageAfterLast() override { Q_EMIT moreRequested(lastVersion()); }
    bool before(const PromptVersionRow &a, const PromptVersionRow &b) const override;
    bool same(const PromptVersionRow &a, const PromptVersionRow &b) const override;

private:
    QHash<qint64, PromptVersionMetrics> m_metrics;
    qint64 m_active = 0;
    qint64 m_now = 0;
};

} // namespace switchboard
