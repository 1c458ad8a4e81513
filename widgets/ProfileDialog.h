#pragma once
// Create, edit, test and choose connection profiles. Settings go to a ProfileStore,
// passwords to the SecretStore (keychain); testing is delegated to a function handed in
// so the dialog knows nothing of sockets.
#include "core/services/ConnectionProfile.h"
#include "core/services/ConnectionTestResult.h"

#include <QDialog>

#include <functional>

class QCheckBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QPlainTextEdit;

namespace switchboard {

class ProfileStore;
class SecretStore;

struct ProfilePasswords
{
    QString redis;
    QString postgres;
};

class ProfileDialog : public QDialog
{
    Q_OBJECT
public:
    using Tester
        = std::function<void(const ConnectionProfile &, const ProfilePasswords &, QObject *context,
                             std::function<void(ConnectionTestResults)> done)>;

    ProfileDialog(ProfileStore &store, SecretStore *secrets, Tester tester,
                  QWidget *parent = nullptr);

    // The profile the user chose with "Use", if any.
    QString chosenProfile() const { return m_chosen; }
    ConnectionProfile profileFromForm() const;
    void setForm(const ConnectionProfile &profile);
    QString testOutput() const;

public Q_SLOTS:
    void testConnection();
    bool saveProfile();

private:
    void reloadList(const QString &select);
    void showProfile(const QString &name);
    QLineEdit *addFileField(QFormLayout *form, const QString &label);

    ProfileStore &m_store;
    SecretStore *m_secrets;
    Tester m_tester;
    QString m_chosen;

    QListWidget *m_list;
    QLineEdit *m_name, *m_redisUri, *m_sentinels, *m_master, *m_namespace;
    QLineEdit *m_caFile, *m_clientCert, *m_clientKey;
    QCheckBox *m_verifyPeer;
    QLineEdit *m_pgDsn, *m_pgReplica, *m_operator;
    QLineEdit *m_redisPassword, *m_pgPassword;
    QPlainTextEdit *m_output;
    QPushButton *m_test;
};

} // namespace switchboard
