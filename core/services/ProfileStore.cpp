#include "core/services/ProfileStore.h"

#include <QSettings>

#include <algorithm>

namespace switchboard {

namespace {
// Profile names can hold any character; QSettings groups cannot hold '/' or '\'.
QString encodeName(const QString &name)
{
    return QString::fromLatin1(name.toUtf8().toPercentEncoding());
}
QString decodeName(const QString &encoded)
{
    return QString::fromUtf8(QByteArray::fromPercentEncoding(encoded.toLatin1()));
}
} // namespace

ProfileStore::ProfileStore(QSettings &settings)
    : m_settings(settings)
{ }

QString ProfileStore::group(const QString &name)
{
    return QStringLiteral("profiles/") + encodeName(name);
}

QStringList ProfileStore::names() const
{
    m_settings.beginGroup(QStringLiteral("profiles"));
    const QStringList groups = m_settings.childGroups();
    m_settings.endGroup();
    QStringList result;
    for (const QString &g : groups)
        result << decodeName(g);
    std::sort(result.begin(), result.end());
    return result;
}

std::optional<ConnectionProfile> ProfileStore::load(const QString &name) const
{
    if (!names().contains(name))
        return std::nullopt;
    ConnectionProfile p;
    m_settings.beginGroup(group(name));
    p.name = name;
    p.redisUri = m_settings.value(QStringLiteral("redisUri")).toString();
    p.sentinels = m_settings.value(QStringLiteral("sentinels")).toStringList();
    p.sentinelMaster = m_settings.value(QStringLiteral("sentinelMaster")).toString();
    p.keyNamespace
        = m_settings.value(QStringLiteral("keyNamespace"), QStringLiteral("agentops:")).toString();
    p.tlsCaFile = m_settings.value(QStringLiteral("tlsCaFile")).toString();
    p.tlsClientCert = m_settings.value(QStringLiteral("tlsClientCert")).toString();
    p.tlsClientKey = m_settings.value(QStringLiteral("tlsClientKey")).toString();
    p.tlsVerifyPeer = m_settings.value(QStringLiteral("tlsVerifyPeer"), true).toBool();
    p.pgDsn = m_settings.value(QStringLiteral("pgDsn")).toString();
    p.pgReplicaDsn = m_settings.value(QStringLiteral("pgReplicaDsn")).toString();
    p.operatorName = m_settings.value(QStringLiteral("operatorName")).toString();
    m_settings.endGroup();
    return p;
}

bool ProfileStore::save(const ConnectionProfile &profile, QString *error)
{
    const QStringList problems = profile.validate();
    if (!problems.isEmpty()) {
        if (error)
            *error = problems.join(QLatin1Char('\n'));
        return false;
    }
    m_settings.remove(group(profile.name));
    m_settings.beginGroup(group(profile.name));
    m_settings.setValue(QStringLiteral("redisUri"), profile.redisUri);
    m_settings.setValue(QStringLiteral("sentinels"), profile.sentinels);
    m_settings.setValue(QStringLiteral("sentinelMaster"), profile.sentinelMaster);
    m_settings.setValue(QStringLiteral("keyNamespace"), profile.keyNamespace);
    m_settings.setValue(QStringLiteral("tlsCaFile"), profile.tlsCaFile);
    m_settings.setValue(QStringLiteral("tlsClientCert"), profile.tlsClientCert);
    m_settings.setValue(QStringLiteral("tlsClientKey"), profile.tlsClientKey);
    m_settings.setValue(QStringLiteral("tlsVerifyPeer"), profile.tlsVerifyPeer);
    m_settings.setValue(QStringLiteral("pgDsn"), profile.pgDsn);
    m_settings.setValue(QStringLiteral("pgReplicaDsn"), profile.pgReplicaDsn);
    m_settings.setValue(QStringLiteral("operatorName"), profile.operatorName);
    m_settings.endGroup();
    m_settings.sync();
    if (m_settings.status() != QSettings::NoError) {
        if (error)
            *error
                = QStringLiteral("could not write the settings file %1").arg(m_settings.fileName());
        return false;
    }
    return true;
}

bool ProfileStore::remove(const QString &name)
{
    if (!names().contains(name))
        return false;
    m_settings.remove(group(name));
    m_settings.sync();
    return true;
}

QString ProfileStore::lastUsed() const
{
    return m_settings.value(QStringLiteral("lastProfile")).toString();
}

void ProfileStore::setLastUsed(const QString &name)
{
    m_settings.setValue(QStringLiteral("lastProfile"), name);
}

} // namespace switchboard
