#include "widgets/EventRateChart.h"

#include "core/contract/Enums.h"
#include "models/UntrustedText.h"
#include "widgets/StatusGlyph.h"
#include "widgets/Theme.h"

#include <QChart>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QEvent>
#include <QGraphicsSimpleTextItem>
#include <QLegendMarker>
#include <QLineSeries>
#include <QValueAxis>

namespace switchboard {

namespace {
// Distinct hues, also told apart by the legend's text; the chart is a trend, the table
// below carries the exact figures.
const QColor kKindColors[kRecoveryKindCount]
    = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c),
       QColor(0xd6, 0x27, 0x28), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
       QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f), QColor(0xbc, 0xbd, 0x22)};

// The value axis' top for a peak: the next of 4, 8, 20, 40, 80, 200, … (4 intervals of
// whole numbers) at least 10 % above it. A range that only moves when the peak crosses
// one of these leaves the axis' labels alone: every new label text is laid out again by
// the scene (QGraphicsTextItem), which was most of its 5-7 ms update every 2 s under a
// flood, when the top followed the growing count of the current minute.
double axisTop(qint64 peak)
{
    const double want = double(qMax<qint64>(peak, 1)) * 1.1;
    for (double decade = 1;; decade *= 10) {
        for (const double m : {4.0, 8.0, 20.0}) {
            if (m * decade >= want)
                return m * decade;
        }
    }
}
} // namespace

EventRateChart::EventRateChart(QWidget *parent)
    : QChartView(parent)
    , m_chart(new QChart)
{
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->legend()->setAlignment(Qt::AlignRight);
    m_chart->setAnimationOptions(QChart::NoAnimation);
    setChart(m_chart); // takes ownership
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { placeLabels(); });
    applyPalette();
}

void EventRateChart::applyPalette()
{
    // QtCharts paints with its own theme, not the widget palette: background, legend and
    // axes take the palette's colours here, series and markers in rebuild().
    const QPalette pal = palette();
    m_chart->setBackgroundBrush(pal.color(QPalette::Base));
    m_chart->setBackgroundPen(QPen(pal.color(QPalette::Mid)));
    m_chart->setTitleBrush(pal.color(QPalette::Text));
    m_chart->legend()->setLabelColor(pal.color(QPalette::Text));
    setBackgroundBrush(pal.color(QPalette::Window));
}

void EventRateChart::styleAxis(QAbstractAxis *axis) const
{
    const QPalette pal = palette();
    axis->setLabelsColor(pal.color(QPalette::Text));
    axis->setTitleBrush(pal.color(QPalette::Text));
    axis->setLinePenColor(pal.color(QPalette::Mid));
    axis->setGridLineColor(theme::mix(pal.color(QPalette::Base), pal.color(QPalette::Text), 0.15));
}

QColor EventRateChart::kindColor(int kind) const
{
    // On a dark palette a fifth of white mixed in: the darker hues stay visible on it.
    const QColor c = kKindColors[kind];
    return theme::isDark(palette()) ? theme::mix(c, Qt::white, 0.2) : c;
}

void EventRateChart::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange) {
        applyPalette();
        rebuild();
    }
    QChartView::changeEvent(event);
}

void EventRateChart::setRates(const QMap<qint64, RecoveryEventRateBuckets::Counts> &buckets,
                              qint64 bucketMs, qint64 fromMs, qint64 toMs)
{
    m_buckets = buckets;
    m_bucketMs = qMax<qint64>(1000, bucketMs);
    m_fromMs = fromMs;
    m_toMs = qMax(toMs, fromMs + m_bucketMs);
    if (!updateInPlace())
        rebuild();
}

quint32 EventRateChart::kindsPresent() const
{
    quint32 kinds = 0;
    for (const auto &counts : m_buckets)
        for (int k = 0; k < kRecoveryKindCount; ++k)
            if (counts[size_t(k)] > 0)
                kinds |= 1u << k;
    return kinds;
}

QVector<int> EventRateChart::markersInRange() const
{
    QVector<int> in;
    for (int i = 0; i < m_markers.size(); ++i) {
        if (m_markers[i].atMs >= m_fromMs && m_markers[i].atMs <= m_toMs)
            in.append(i);
    }
    return in;
}

void EventRateChart::setTimeRange(QDateTimeAxis *x) const
{
    x->setFormat(m_toMs - m_fromMs > 86400000 ? QStringLiteral("MM-dd HH:mm")
                                              : QStringLiteral("HH:mm"));
    // Ticks on whole multiples of the bucket width (the range starts on one): 1, 2, 5, 10…
    // buckets apart, at most 12 intervals.
    const qint64 buckets = qMax<qint64>(1, (m_toMs - m_fromMs) / m_bucketMs);
    qint64 step = 1;
    for (const qint64 s : {1, 2, 5, 10, 15, 30, 60, 120, 240, 600})
        if (buckets / s <= 12) {
            step = s;
            break;
        }
    const qint64 intervals = (buckets + step - 1) / step;
    const qint64 axisTo = m_fromMs + intervals * step * m_bucketMs; // ends on a tick
    x->setRange(QDateTime::fromMSecsSinceEpoch(m_fromMs), QDateTime::fromMSecsSinceEpoch(axisTo));
    x->setTickCount(int(intervals) + 1);
}

bool EventRateChart::updateInPlace()
{
    if (m_markersChanged || !m_y || !m_x || m_bucketMs != m_builtBucket
        || kindsPresent() != m_builtKinds)
        return false;
    // The live window moves on every minute: the time axis is moved in place as long as
    // the same deployment markers stay in it (a rebuild was 10-25 ms with markers).
    const bool moved = m_fromMs != m_builtFrom || m_toMs != m_builtTo;
    if (moved) {
        if (markersInRange() != m_drawnMarkers)
            return false;
        m_builtFrom = m_fromMs;
        m_builtTo = m_toMs;
        setTimeRange(m_x);
    }
    qint64 peak = 1;
    for (int k = 0; k < kRecoveryKindCount; ++k) {
        if (!m_lines[k])
            continue;
        QList<QPointF> points;
        for (qint64 t = m_fromMs - m_fromMs % m_bucketMs; t < m_toMs; t += m_bucketMs) {
            const auto it = m_buckets.constFind(t);
            const qint64 v = it == m_buckets.cend() ? 0 : (*it)[size_t(k)];
            peak = qMax(peak, v);
            points.append(QPointF(double(t + m_bucketMs / 2), double(v)));
        }
        if (points != m_lines[k]->points())
            m_lines[k]->replace(points);
    }
    const double top = axisTop(peak);
    if (m_y->max() != top) {
        m_y->setRange(0, top);
        for (QLineSeries *mark : std::as_const(m_markLines))
            mark->replace(1, QPointF(mark->at(1).x(), top));
    }
    if (moved)
        placeLabels(); // the markers' labels follow their lines
    return true;
}

void EventRateChart::setDeployments(const QVector<DeploymentMarker> &markers)
{
    m_markers = markers;
    m_markersChanged = true;
    rebuild();
}

int EventRateChart::seriesCount() const
{
    return int(m_chart->series().size());
}

void EventRateChart::rebuild()
{
    m_chart->removeAllSeries();
    for (QLineSeries *&line : m_lines)
        line = nullptr;
    m_y = nullptr;
    m_x = nullptr;
    m_markLines.clear();
    m_drawnMarkers = markersInRange();
    m_markersChanged = false;
    m_builtFrom = m_fromMs;
    m_builtTo = m_toMs;
    m_builtBucket = m_bucketMs;
    m_builtKinds = kindsPresent();
    qDeleteAll(m_labels);
    m_labels.clear();
    const auto axes = m_chart->axes();
    for (QAbstractAxis *axis : axes) {
        m_chart->removeAxis(axis);
        delete axis;
    }
    auto *x = new QDateTimeAxis;
    m_x = x;
    setTimeRange(x);
    auto *y = new QValueAxis;
    m_y = y;
    y->setLabelFormat(QStringLiteral("%d"));
    y->setTitleText(m_bucketMs == 60000 ? QStringLiteral("per min")
                                        : QStringLiteral("per %1 min").arg(m_bucketMs / 60000));
    m_chart->addAxis(x, Qt::AlignBottom);
    m_chart->addAxis(y, Qt::AlignLeft);
    styleAxis(x);
    styleAxis(y);

    qint64 peak = 1;
    for (int k = 0; k < kRecoveryKindCount; ++k) {
        bool any = false;
        for (const auto &counts : m_buckets)
            any = any || counts[size_t(k)] > 0;
        if (!any)
            continue;
        auto *line = new QLineSeries;
        line->setName(enumToText(RecoveryKind(k)));
        line->setPen(QPen(kindColor(k), 1.5));
        // Every bucket of the range, zeros included, so a quiet minute reads as zero.
        for (qint64 t = m_fromMs - m_fromMs % m_bucketMs; t < m_toMs; t += m_bucketMs) {
            const auto it = m_buckets.constFind(t);
            const qint64 v = it == m_buckets.cend() ? 0 : (*it)[size_t(k)];
            peak = qMax(peak, v);
            line->append(double(t + m_bucketMs / 2), double(v)); // at the bucket's middle
        }
        m_chart->addSeries(line);
        line->attachAxis(x);
        line->attachAxis(y);
        m_lines[k] = line;
    }
    const double top = axisTop(peak);
    y->setRange(0, top);

    for (const int i : std::as_const(m_drawnMarkers)) {
        const DeploymentMarker &m = m_markers[i];
        auto *mark = new QLineSeries;
        mark->setName(QStringLiteral("%1 v%2").arg(m.agent).arg(m.version));
        QPen pen(m.kind == QLatin1String("rollback")
                     ? statusColor(StatusKind::Error, palette())
                     : theme::mix(palette().color(QPalette::Text), palette().color(QPalette::Base),
                                  0.3));
        pen.setStyle(Qt::DashLine);
        mark->setPen(pen);
        mark->append(double(m.atMs), 0);
        mark->append(double(m.atMs), top);
        m_chart->addSeries(mark);
        m_markLines.append(mark);
        mark->attachAxis(x);
        mark->attachAxis(y);
        const auto markers = m_chart->legend()->markers(mark);
        for (QLegendMarker *lm : markers)
            lm->setVisible(false);
        auto *label = new QGraphicsSimpleTextItem(QStringLiteral("%1 %2 v%3")
                                                      .arg(m.kind == QLatin1String("rollback")
                                                               ? QStringLiteral("↶")
                                                               : QStringLiteral("▲"),
                                                           untrusted::line(m.agent, 60))
                                                      .arg(m.version),
                                                  m_chart);
        label->setBrush(palette().color(QPalette::Text));
        label->setData(0, double(m.atMs));
        label->setToolTip(untrusted::toolTip(
            QStringLiteral("%1 of %2 v%3 at %4")
                .arg(m.kind, m.agent)
                .arg(m.version)
                .arg(QDateTime::fromMSecsSinceEpoch(m.atMs).toString(Qt::ISODateWithMs))));
        m_labels.append(label);
    }
    placeLabels();
}

void EventRateChart::placeLabels()
{
    if (m_chart->series().isEmpty())
        return;
    const QRectF area = m_chart->plotArea();
    QAbstractSeries *any = m_chart->series().constFirst();
    int row = 0;
    for (QGraphicsSimpleTextItem *label : std::as_const(m_labels)) {
        const QPointF p = m_chart->mapToPosition(QPointF(label->data(0).toDouble(), 0), any);
        // Staggered so labels of deployments close in time do not overlap entirely.
        // Right of its line, or left of it where the plot ends (the legend is there).
        const qreal width = label->boundingRect().width();
        const qreal x = p.x() + 2 + width > area.right() ? p.x() - 2 - width : p.x() + 2;
        label->setPos(x, area.top() + 2 + (row++ % 3) * 12);
        label->setVisible(area.contains(QPointF(p.x(), area.center().y())));
    }
}

} // namespace switchboard
