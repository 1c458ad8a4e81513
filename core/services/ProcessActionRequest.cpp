#include "core/services/ProcessActionRequest.h"

namespace switchboard {

QString ProcessActionRequest::target() const
{
    return QStringLiteral("proc:%1:%2:%3")
        .arg(host, app, pmId ? QString::number(*pmId) : QStringLiteral("all"));
}

QString ProcessActionRequest::describe() const
{
    return QStringLiteral("%1 %2 (%3) on %4")
        .arg(enumToText(action), app,
             pmId ? QStringLiteral("pm_id %1").arg(*pmId) : QStringLiteral("all instances"), host);
}

QString ControlProgress::actedBy() const
{
    if (dbRole.isEmpty())
        return operatorName;
    return QStringLiteral("%1 (db: %2)").arg(operatorName, dbRole);
}

} // namespace switchboard
