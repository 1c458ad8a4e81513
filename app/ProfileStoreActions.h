#pragma once
// The profile dialog's ProfileActions over the user's profiles: ProfileStore (the settings
// file), SecretStore (the keychain) and a connection tester (ConnectionTester::run in the
// app, a stand-in in tests). A password typed into a Redis URI never reaches the settings
// file: it is stripped here, kept in the keychain and used for the test.
#include "core/services/ConnectionProfile.h"
#include "widgets/ProfileActions.h"

namespace switchboard {

class ProfileStore;
class SecretStore;

class ProfileStoreActions : public ProfileActions
{
public:
    using Tester
        = std::function<void(const ConnectionProfile &, const ProfilePasswords &, QObject *context,
                             std::function<void(ConnectionTestResults)> done)>;

    // store stays the caller's; secrets may be null (no keychain), tester empty (no test).
    ProfileStoreActions(ProfileStore &store, SecretStore *secrets, Tester tester);

    static ProfileForm formOf(const ConnectionProfile &profile);
    static ConnectionProfile profileOf(const ProfileForm &form);

    QStringList names() const override;
    QString lastUsed() const override;
    std::optional<ProfileForm> load(const QString &name) const override;
    bool save(const ProfileForm &form, const ProfilePasswords &passwords, ProfileForm *saved,
              QString *error, QObject *context,
              std::function<void(const QString &error)> keychainFailed) override;
    bool remove(const QString &name) override;
    void test(const ProfileForm &form, const ProfilePasswords &passwords, QObject *context,
              std::function<void(ConnectionTestResults)> done) override;
    bool canTest() const override { return bool(m_tester); }

private:
    ProfileStore &m_store;
    SecretStore *m_secrets;
    Tester m_tester;
};

} // namespace switchboard
