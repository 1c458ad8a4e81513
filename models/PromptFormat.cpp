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

QString notifiedText(NotifiedState state, std::optional<qint64> redisDeploymentId)
{
    switch (state) {
    case NotifiedState::Recorded:
        return QStringLiteral("notified");
    case NotifiedState::SeenInRedis:
        return QStringLiteral("notified (seen in Redis)");
    case NotifiedState::NewerInRedis:
        return QStringLiteral("NOT notified (Redis has #%1)").arg(redisDeploymentId.value_or(0));
    case NotifiedState::NotNotified:
        break;
    }
    return QStringLiteral("NOT notified");
}

QString notifiedToolTip(const PromptDeployment &d, NotifiedState state,
                        std::optional<qint64> redisDeploymentId)
{
    switch (state) {
    case NotifiedState::Recorded:
        return QStringLiteral("Agents were told at %1").arg(absolute(d.notifiedAt.value_or(0)));
    case NotifiedState::SeenInRedis:
        return QStringLiteral("No notification was recorded in Postgres, but %1's prompt hash "
                              "in Redis already carries deployment #%2: agents were told.")
            .arg(d.agent)
            .arg(d.id);
    case NotifiedState::NewerInRedis:
        return QStringLiteral("Deployment #%1 is the latest in Postgres, but %2's prompt hash in "
                              "Redis carries #%3, which is newer: agents run a deployment this "
                              "database does not show as active. A retry would be refused.")
            .arg(d.id)
            .arg(d.agent)
            .arg(redisDeploymentId.value_or(0));
    case NotifiedState::NotNotified:
        break;
    }
    return QStringLiteral("Deployment #%1 committed in Postgres, but agents were never told "
                          "(no notification row, and Redis does not carry it%2): they may still "
                          "run the previous version.")
        .arg(d.id)
        .arg(redisDeploymentId ? QString() : QStringLiteral(" as far as could be read"));
}

PromptRowStatus notifiedStatus(NotifiedState state)
{
    return state == NotifiedState::Recorded || state == NotifiedState::SeenInRedis
        ? PromptRowStatus::Ok
        : PromptRowStatus::Warning;
}

} // namespace switchboard::promptformat
