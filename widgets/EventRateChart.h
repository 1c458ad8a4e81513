#pragma once
// Events per minute (or per bucket in history) by kind, one line per kind that occurs,
// with prompt deployments marked on the time axis as labelled dashed verticals, so an
// operator sees what changed when.
#include "core/types/EventHistoryPage.h"
#include "core/types/RecoveryEventRateBuckets.h"

#include <QChartView>
#include <QMap>
#include <QVector>

class QAbstractAxis;
class QChart;
class QDateTimeAxis;
class QGraphicsSimpleTextItem;
class QLineSeries;
class QValueAxis;

namespace switchboard {

class EventRateChart : public QChartView
{
    Q_OBJECT
public:
    explicit EventRateChart(QWidget *parent = nullptr);

    // Replaces the lines; [fromMs, toMs) is the visible time range.
    void setRates(const QMap<qint64, RecoveryEventRateBuckets::Counts> &buckets, qint64 bucketMs,
                  qint64 fromMs, qint64 toMs);
    void setDeployments(const QVector<DeploymentMarker> &markers);
    int seriesCount() const; // lines shown (kinds + deployment markers), for tests

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyPalette();
    void styleAxis(QAbstractAxis *axis) const;
    QColor kindColor(int kind) const;
    void rebuild();
    // Same range, bucket width, kinds and markers as the last rebuild: only the points and
    // (rarely, see axisTop) the value range change (no new series, axes or legend: the scene's
    // relayout after a rebuild was 5-7 ms of the GUI thread every 2 s under a flood). False
    // otherwise.
    bool updateInPlace();
    quint32 kindsPresent() const;
    QVector<int> markersInRange() const; // indexes into m_markers within [from, to]
    void setTimeRange(QDateTimeAxis *x) const;
    void placeLabels();

    QChart *m_chart;
    QMap<qint64, RecoveryEventRateBuckets::Counts> m_buckets;
    qint64 m_bucketMs = 60000;
    qint64 m_fromMs = 0, m_toMs = 0;
    QVector<DeploymentMarker> m_markers;
    QVector<QGraphicsSimpleTextItem *> m_labels;
    // What the last rebuild drew, for updateInPlace().
    QLineSeries *m_lines[kRecoveryKindCount] = {};
    QValueAxis *m_y = nullptr;
    QDateTimeAxis *m_x = nullptr;
    QVector<int> m_drawnMarkers; // markersInRange() at the last rebuild
    QVector<QLineSeries *> m_markLines; // deployment verticals, 0 .. axis top
    quint32 m_builtKinds = 0;
    qint64 m_builtFrom = -1, m_builtTo = -1, m_builtBucket = -1;
    bool m_markersChanged = true;
};

} // namespace switchboard
