#pragma once
// What the profile dialog asks of whoever keeps the connection profiles: the settings
// file, the keychain and the connection test are app/ProfileStoreActions'; the dialog
// sees plain values only (widgets link core_types alone).
#include "core/types/ConnectionTestResult.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

class QObject;

namespace switchboard {

// The form's fields, as the operator typed them (no secret is kept in one once saved).
struct ProfileForm
{
    QString name;
    QString redisUri; // a password typed into it goes to the keychain when saved
    QStringList sentinels; // "host:port"
    QString sentinelMaster;
    QString keyNamespace = QStringLiteral("agentops:");
    QString tlsCaFile;
    QString tlsClientCert;
    QString tlsClientKey;
    bool tlsVerifyPeer = true;
    QString pgDsn;
    QString pgReplicaDsn;
    QString operatorName;
};

struct ProfilePasswords
{
    QString redis;
    QString postgres;
};

class ProfileActions
{
public:
    virtual ~ProfileActions() = default;

    virtual QStringList names() const = 0; // sorted
    virtual QString lastUsed() const = 0;
    virtual std::optional<ProfileForm> load(const QString &name) const = 0;
    // Saves the form and makes it the last used; the passwords (and one typed into the
    // Redis URI) go to the keychain, never to the settings file. Returns false with the
    // reasons in *error when the form is not a usable profile. *saved: the form as stored
    // (its Redis URI without a password). A keychain write that fails is reported to
    // keychainFailed later, on context's thread.
    virtual bool save(const ProfileForm &form, const ProfilePasswords &passwords,
                      ProfileForm *saved, QString *error, QObject *context,
                      std::function<void(const QString &error)> keychainFailed)
        = 0;
    virtual bool remove(const QString &name) = 0;
    // Connects to each backend with the form's settings (a password in the Redis URI is
    // used as the Redis password); done runs on context's thread, not after it is gone.
    virtual void test(const ProfileForm &form, const ProfilePasswords &passwords, QObject *context,
                      std::function<void(ConnectionTestResults)> done)
        = 0;
    virtual bool canTest() const = 0; // false: "Testing is not available."
};

} // namespace switchboard
