#pragma once
// Events per minute (or per bucket in history) by kind, one line per kind that occurs,
// with prompt deployments marked on the time axis as labelled dashed verticals, so an
// operator sees what changed when.
#include "models/EventHistoryQuery.h"
#include "models/EventRateBuckets.h"

#include <QChartView>
#include <QMap>
#include <QVector>

class QChart;
class QGraphicsSimpleTextItem;

namespace switchboard {

class EventRateChart : public QChartView
{
    Q_OBJECT
public:
    explicit EventRateChart(QWidget *parent = nullptr);

    // Replaces the lines; [fromMs, toMs) is the visible time range.
    void setRates(const QMap<qint64, EventRateBuckets::Counts> &buckets, qint64 bucketMs,
                  qint64 fromMs, qint64 toMs);
    void setDeployments(const QVector<DeploymentMarker> &markers);
    int seriesCount() const; // lines shown (kinds + deployment markers), for tests

private:
    void rebuild();
    void placeLabels();

    QChart *m_chart;
    QMap<qint64, EventRateBuckets::Counts> m_buckets;
    qint64 m_bucketMs = 60000;
    qint64 m_fromMs = 0, m_toMs = 0;
    QVector<DeploymentMarker> m_markers;
    QVector<QGraphicsSimpleTextItem *> m_labels;
};

} // namespace switchboard
