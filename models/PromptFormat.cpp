#include "models/PromptFormat.h"

#include <QDateTime>
#include <QLocale>

namespace switchboard::promptformat {

QString relative(qint64 ms, qint64 nowMs)
{
    if (ms <= 0)
        return {};
    const qint64 s = (nowMs - ms) / 1000;
    if (s < 0)
        return QStringLiteral("in the future");
    if (s < 60)
        return QStringLiteral("%1 s ago").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min ago").arg(s / 60);
    if (s < 86400 * 2)
        return QStringLiteral("%1 h ago").arg(s / 3600);
    return QStringLiteral("%1 d ago").arg(s / 86400);
}

QString absolute(qint64 ms)
{
    if (ms <= 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)
               .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"))
        + QStringLiteral(" UTC");
}

QString bytes(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

} // namespace switchboard::promptformat
