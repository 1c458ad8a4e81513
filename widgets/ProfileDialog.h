#pragma once
// Create, edit, test and choose connection profiles. Storing, the keychain and testing
// are ProfileActions' (app/ProfileStoreActions), so the dialog knows nothing of settings
// files, keychains or sockets.
#include "widgets/ProfileActions.h"

#include <QDialog>

class QCheckBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QPlainTextEdit;

namespace switchboard {

class ProfileDialog : public QDialog
{
    Q_OBJECT
public:
    // actions must outlive the dialog.
    explicit ProfileDialog(ProfileActions &actions, QWidget *parent = nullptr);

    // The profile the user chose with "Use", if any.
    QString chosenProfile() const { return m_chosen; }
    ProfileForm formValues() const;
    void setForm(const ProfileForm &form);
    QString testOutput() const;

public Q_SLOTS:
    void testConnection();
    bool saveProfile();

private:
    void reloadList(const QString &select);
    void showProfile(const QString &name);
    QLineEdit *addFileField(QFormLayout *form, const QString &label);

    ProfilePasswords passwords() const; // as typed
    ProfileActions &m_actions;
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
