#include "core/services/ControlRequest.h"

namespace switchboard {

QString ControlRequest::target() const
{
    return QStringLiteral("proc:%1:%2:%3")
        .arg(host, app, pmId ? QString::number(*pmId) : QStringLiteral("all"));
}

QString ControlRequest::describe() const
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
