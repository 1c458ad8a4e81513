#include "app/ProfileStoreActions.h"

#include "core/services/ProfileStore.h"
#include "core/services/SecretStore.h"

namespace switchboard {

ProfileStoreActions::ProfileStoreActions(ProfileStore &store, SecretStore *secrets, Tester tester)
    : m_store(store)
    , m_secrets(secrets)
    , m_tester(std::move(tester))
{ }

ProfileForm ProfileStoreActions::formOf(const ConnectionProfile &p)
{
    ProfileForm f;
    f.name = p.name;
    f.redisUri = p.redisUri;
    f.sentinels = p.sentinels;
    f.sentinelMaster = p.sentinelMaster;
    f.keyNamespace = p.keyNamespace;
    f.tlsCaFile = p.tlsCaFile;
    f.tlsClientCert = p.tlsClientCert;
    f.tlsClientKey = p.tlsClientKey;
    f.tlsVerifyPeer = p.tlsVerifyPeer;
    f.pgDsn = p.pgDsn;
    f.pgReplicaDsn = p.pgReplicaDsn;
    f.operatorName = p.operatorName;
    return f;
}

ConnectionProfile ProfileStoreActions::profileOf(const ProfileForm &f)
{
    ConnectionProfile p;
    p.name = f.name;
    p.redisUri = f.redisUri;
    p.sentinels = f.sentinels;
    p.sentinelMaster = f.sentinelMaster;
    p.keyNamespace = f.keyNamespace;
    p.tlsCaFile = f.tlsCaFile;
    p.tlsClientCert = f.tlsClientCert;
    p.tlsClientKey = f.tlsClientKey;
    p.tlsVerifyPeer = f.tlsVerifyPeer;
    p.pgDsn = f.pgDsn;
    p.pgReplicaDsn = f.pgReplicaDsn;
    p.operatorName = f.operatorName;
    return p;
}

QStringList ProfileStoreActions::names() const
{
    return m_store.names();
}

QString ProfileStoreActions::lastUsed() const
{
    return m_store.lastUsed();
}

std::optional<ProfileForm> ProfileStoreActions::load(const QString &name) const
{
    if (const auto profile = m_store.load(name))
        return formOf(*profile);
    return std::nullopt;
}

bool ProfileStoreActions::save(const ProfileForm &form, const ProfilePasswords &passwords,
                               ProfileForm *saved, QString *error, QObject *context,
                               std::function<void(const QString &error)> keychainFailed)
{
    ConnectionProfile p = profileOf(form);
    QString uriPassword;
    p.redisUri = ConnectionProfile::stripPassword(p.redisUri, &uriPassword);
    if (!m_store.save(p, error))
        return false;
    const QString redisPassword = uriPassword.isEmpty() ? passwords.redis : uriPassword;
    if (m_secrets) {
        const auto report = [keychainFailed](bool ok, const QString &err) {
            if (!ok && keychainFailed)
                keychainFailed(err);
        };
        if (!redisPassword.isEmpty())
            m_secrets->write(p.name, SecretStore::Secret::RedisPassword, redisPassword, context,
                             report);
        if (!passwords.postgres.isEmpty())
            m_secrets->write(p.name, SecretStore::Secret::PostgresPassword, passwords.postgres,
                             context, report);
    }
    m_store.setLastUsed(p.name);
    if (saved)
        *saved = formOf(p);
    return true;
}

bool ProfileStoreActions::remove(const QString &name)
{
    return m_store.remove(name);
}

void ProfileStoreActions::test(const ProfileForm &form, const ProfilePasswords &passwords,
                               QObject *context, std::function<void(ConnectionTestResults)> done)
{
    if (!m_tester)
        return;
    ConnectionProfile p = profileOf(form);
    ProfilePasswords used = passwords;
    QString uriPassword;
    p.redisUri = ConnectionProfile::stripPassword(p.redisUri, &uriPassword);
    if (!uriPassword.isEmpty())
        used.redis = uriPassword;
    m_tester(p, used, context, std::move(done));
}

} // namespace switchboard
