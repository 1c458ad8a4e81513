#include "models/DisplayFormat.h"

#include <QDateTime>

namespace switchboard::display {

QString duration(qint64 ms)
{
    const qint64 s = qMax<qint64>(0, ms) / 1000;
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min").arg(s / 60);
    if (s < 86400)
        return QStringLiteral("%1 h %2 min")
            .arg(s / 3600)
            .arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 d").arg(s / 86400);
}

QString ago(qint64 atMs, qint64 nowMs)
{
    if (atMs <= 0)
        return QString();
    if (nowMs - atMs < 1000)
        return QStringLiteral("just now");
    return duration(nowMs - atMs) + QStringLiteral(" ago");
}

QString absolute(qint64 atMs)
{
    if (atMs <= 0)
        return QString();
    return QDateTime::fromMSecsSinceEpoch(atMs, Qt::UTC)
               .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"))
        + QStringLiteral(" UTC");
}

QString tokens(qint64 count)
{
    if (count < 1000)
        return QString::number(count);
    if (count < 1000000)
        return QString::number(double(count) / 1000.0, 'f', 1) + QStringLiteral(" k");
    return QString::number(double(count) / 1e6, 'f', 2) + QStringLiteral(" M");
}

} // namespace switchboard::display
