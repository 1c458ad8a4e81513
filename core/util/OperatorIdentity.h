#pragma once
// Who acts and from which machine, as every audit row records it (rollback, reload /
// restart, export) and as an export names its origin. One rule everywhere:
//  - the name: the operator the profile or --operator gives, else the login ($USER, then
//    $LOGNAME), else "unknown";
//  - the host: this machine's host name (QSysInfo::machineHostName: no network lookup).
// Plain values: no I/O beyond reading the environment and the host name.
#include <QString>

namespace switchboard {

class OperatorIdentity
{
public:
    OperatorIdentity() = default; // "unknown" on an unnamed host: for placeholders only
    OperatorIdentity(QString name, QString host); // as given (tests, a fixed identity)

    // The identity of this process: configured (may be empty) wins, then the login.
    static OperatorIdentity resolve(const QString &configuredName);
    // $USER, then $LOGNAME; empty when neither is set.
    static QString loginName();
    static QString hostName();

    const QString &name() const { return m_name; }
    const QString &host() const { return m_host; }

private:
    QString m_name = QStringLiteral("unknown");
    QString m_host;
};

} // namespace switchboard
