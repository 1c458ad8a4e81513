#include "widgets/ProfileDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

namespace switchboard {

ProfileDialog::ProfileDialog(ProfileActions &actions, QWidget *parent)
    : QDialog(parent)
    , m_actions(actions)
    , m_list(new QListWidget(this))
{
    setWindowTitle(QStringLiteral("Connection profiles"));
    auto *form = new QFormLayout;
    const auto line = [this, form](const QString &label, const QString &placeholder) {
        auto *edit = new QLineEdit(this);
        edit->setPlaceholderText(placeholder);
        edit->setAccessibleName(QString(label).remove(QLatin1Char('&')));
        form->addRow(label, edit);
        return edit;
    };
    m_name = line(QStringLiteral("&Name"), QStringLiteral("prod-eu"));
    m_redisUri = line(QStringLiteral("&Redis URI"), QStringLiteral("rediss://user@host:6380/0"));
    m_sentinels = line(QStringLiteral("or &Sentinels"), QStringLiteral("s1:26379, s2:26379"));
    m_master = line(QStringLiteral("Sentinel &master"), QStringLiteral("mymaster"));
    m_namespace = line(QStringLiteral("Key name&space"), QStringLiteral("agentops:"));
    m_caFile = addFileField(form, QStringLiteral("TLS CA file"));
    m_clientCert = addFileField(form, QStringLiteral("TLS client cert"));
    m_clientKey = addFileField(form, QStringLiteral("TLS client key"));
    m_verifyPeer
        = new QCheckBox(QStringLiteral("Verify the server certificate and host name"), this);
    m_verifyPeer->setChecked(true);
    form->addRow(QString(), m_verifyPeer);
    m_redisPassword
        = line(QStringLiteral("Redis password"), QStringLiteral("kept in the keychain"));
    m_redisPassword->setEchoMode(QLineEdit::Password);
    m_pgDsn = line(QStringLiteral("&Postgres DSN"),
                   QStringLiteral("service=agentops sslmode=verify-full"));
    m_pgReplica = line(QStringLiteral("Postgres re&plica"), QStringLiteral("optional"));
    m_pgPassword = line(QStringLiteral("Postgres password"),
                        QStringLiteral("keychain, ~/.pgpass or PGPASSWORD"));
    m_pgPassword->setEchoMode(QLineEdit::Password);
    m_operator = line(QStringLiteral("&Operator"), QStringLiteral("your name, for the audit log"));

    m_output = new QPlainTextEdit(this);
    m_output->setReadOnly(true);
    m_output->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_output->setMaximumBlockCount(200);
    m_output->setPlaceholderText(QStringLiteral("Test results appear here."));
    m_output->setAccessibleName(QStringLiteral("Test results"));
    m_list->setAccessibleName(QStringLiteral("Saved profiles"));
    m_list->setAccessibleDescription(QStringLiteral("Selecting one fills the form with it"));
    m_redisPassword->setAccessibleDescription(
        QStringLiteral("Kept in the system keychain, never in the settings file"));
    m_pgPassword->setAccessibleDescription(m_redisPassword->accessibleDescription());

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->addLayout(form);
    rightLayout->addWidget(m_output, 1);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_list);
    auto *newButton = new QPushButton(QStringLiteral("New"), left);
    auto *deleteButton = new QPushButton(QStringLiteral("Delete"), left);
    newButton->setAccessibleName(QStringLiteral("New profile"));
    deleteButton->setAccessibleName(QStringLiteral("Delete profile"));
    auto *listButtons = new QHBoxLayout;
    listButtons->addWidget(newButton);
    listButtons->addWidget(deleteButton);
    leftLayout->addLayout(listButtons);

    auto *splitter = new QSplitter(this);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 3);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_test = buttons->addButton(QStringLiteral("&Test connection"), QDialogButtonBox::ActionRole);
    QPushButton *save = buttons->addButton(QStringLiteral("Sa&ve"), QDialogButtonBox::ApplyRole);
    QPushButton *use = buttons->addButton(QStringLiteral("&Use"), QDialogButtonBox::AcceptRole);
    use->setDefault(true); // Enter: save the form and connect with it
    use->setAccessibleDescription(QStringLiteral("Saves the profile and connects with it"));
    m_test->setAccessibleDescription(
        QStringLiteral("Connects to each backend with the form's settings and reports"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter, 1);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_test, &QPushButton::clicked, this, &ProfileDialog::testConnection);
    connect(save, &QPushButton::clicked, this, &ProfileDialog::saveProfile);
    connect(use, &QPushButton::clicked, this, [this] {
        if (saveProfile()) {
            m_chosen = m_name->text().trimmed();
            accept();
        }
    });
    connect(newButton, &QPushButton::clicked, this, [this] {
        m_list->clearSelection();
        setForm(ProfileForm());
        m_name->setFocus();
    });
    connect(deleteButton, &QPushButton::clicked, this, [this] {
        const QListWidgetItem *item = m_list->currentItem();
        if (!item)
            return;
        const QString name = item->text();
        if (QMessageBox::question(this, QStringLiteral("Delete profile"),
                                  QStringLiteral("Delete the profile %1?").arg(name))
            != QMessageBox::Yes)
            return;
        m_actions.remove(name);
        reloadList(QString());
    });
    connect(m_list, &QListWidget::currentTextChanged, this, &ProfileDialog::showProfile);

    resize(900, 620);
    reloadList(m_actions.lastUsed());
}

QLineEdit *ProfileDialog::addFileField(QFormLayout *form, const QString &label)
{
    auto *edit = new QLineEdit(this);
    auto *browse = new QToolButton(this);
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(QStringLiteral("Choose a file"));
    edit->setAccessibleName(label);
    browse->setAccessibleName(QStringLiteral("Choose the %1").arg(label));
    connect(browse, &QToolButton::clicked, this, [this, edit, label] {
        const QString file = QFileDialog::getOpenFileName(this, label, edit->text());
        if (!file.isEmpty())
            edit->setText(file);
    });
    auto *row = new QHBoxLayout;
    row->addWidget(edit, 1);
    row->addWidget(browse);
    form->addRow(label, row);
    return edit;
}

void ProfileDialog::reloadList(const QString &select)
{
    m_list->clear();
    m_list->addItems(m_actions.names());
    const auto found = m_list->findItems(select, Qt::MatchExactly);
    if (!found.isEmpty())
        m_list->setCurrentItem(found.first());
    else if (m_list->count() > 0)
        m_list->setCurrentRow(0);
}

void ProfileDialog::showProfile(const QString &name)
{
    if (auto form = m_actions.load(name))
        setForm(*form);
}

void ProfileDialog::setForm(const ProfileForm &p)
{
    m_name->setText(p.name);
    m_redisUri->setText(p.redisUri);
    m_sentinels->setText(p.sentinels.join(QStringLiteral(", ")));
    m_master->setText(p.sentinelMaster);
    m_namespace->setText(p.keyNamespace);
    m_caFile->setText(p.tlsCaFile);
    m_clientCert->setText(p.tlsClientCert);
    m_clientKey->setText(p.tlsClientKey);
    m_verifyPeer->setChecked(p.tlsVerifyPeer);
    m_pgDsn->setText(p.pgDsn);
    m_pgReplica->setText(p.pgReplicaDsn);
    m_operator->setText(p.operatorName);
    m_redisPassword->clear();
    m_pgPassword->clear();
}

ProfileForm ProfileDialog::formValues() const
{
    ProfileForm p;
    p.name = m_name->text().trimmed();
    p.redisUri = m_redisUri->text().trimmed();
    for (const QString &s : m_sentinels->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!s.trimmed().isEmpty())
            p.sentinels << s.trimmed();
    p.sentinelMaster = m_master->text().trimmed();
    p.keyNamespace = m_namespace->text().trimmed().isEmpty() ? QStringLiteral("agentops:")
                                                             : m_namespace->text().trimmed();
    p.tlsCaFile = m_caFile->text().trimmed();
    p.tlsClientCert = m_clientCert->text().trimmed();
    p.tlsClientKey = m_clientKey->text().trimmed();
    p.tlsVerifyPeer = m_verifyPeer->isChecked();
    p.pgDsn = m_pgDsn->text().trimmed();
    p.pgReplicaDsn = m_pgReplica->text().trimmed();
    p.operatorName = m_operator->text().trimmed();
    return p;
}

ProfilePasswords ProfileDialog::passwords() const
{
    return {m_redisPassword->text(), m_pgPassword->text()};
}

bool ProfileDialog::saveProfile()
{
    // A password typed into the URI moves to the keychain instead of the settings file.
    ProfileForm p;
    QString error;
    if (!m_actions.save(formValues(), passwords(), &p, &error, this,
                        [this](const QString &err) { m_output->appendPlainText(err); })) {
        m_output->appendPlainText(QStringLiteral("Not saved:\n") + error);
        return false;
    }
    m_redisUri->setText(p.redisUri);
    m_output->appendPlainText(QStringLiteral("Saved profile %1.").arg(p.name));
    const QSignalBlocker block(m_list);
    reloadList(p.name);
    return true;
}

void ProfileDialog::testConnection()
{
    const ProfileForm p = formValues();
    if (!m_actions.canTest()) {
        m_output->appendPlainText(QStringLiteral("Testing is not available."));
        return;
    }
    m_test->setEnabled(false);
    m_output->appendPlainText(QStringLiteral("Testing %1 …")
                                  .arg(p.name.isEmpty() ? QStringLiteral("(unnamed)") : p.name));
    m_actions.test(p, passwords(), this, [this](const ConnectionTestResults &results) {
        for (const ConnectionTestResult &r : results)
            m_output->appendPlainText(r.toText());
        m_test->setEnabled(true);
    });
}

QString ProfileDialog::testOutput() const
{
    return m_output->toPlainText();
}

} // namespace switchboard
