#include "core/util/OperatorIdentity.h"

#include <QSysInfo>

namespace switchboard {

OperatorIdentity::OperatorIdentity(QString name, QString host)
    : m_name(std::move(name))
    , m_host(std::move(host))
{ }

OperatorIdentity OperatorIdentity::resolve(const QString &configuredName)
{
    QString name = configuredName;
    if (name.isEmpty())
        name = loginName();
    if (name.isEmpty())
        name = QStringLiteral("unknown");
    return OperatorIdentity(name, hostName());
}

QString OperatorIdentity::loginName()
{
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = qEnvironmentVariable("LOGNAME");
    return user;
}

QString OperatorIdentity::hostName()
{
    return QSysInfo::machineHostName();
}

} // namespace switchboard
