#include "app/ConsoleController.h"

#include "app/EventsFeature.h"
#include "app/MainWindow.h"
#include "app/MemoryTrimmer.h"
#include "app/ProcessesFeature.h"
#include "app/PromptsFeature.h"
#include "app/SessionsFeature.h"
#include "app/TracesWiring.h"
#include "core/pg/PgConfig.h"
#include "core/services/PostgresBackend.h"
#include "core/services/ProfileStore.h"
#include "core/services/RedisBackend.h"
#include "core/services/SecretStore.h"
#include "widgets/UntrustedLabel.h"

#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>

namespace switchboard {

ConsoleController::ConsoleController(ConnectionProfile profile, MainWindow &window, QObject *parent)
    : QObject(parent)
    , m_profile(std::move(profile))
    , m_window(window)
    , m_prompts(std::make_unique<PromptsFeature>(window, m_profile))
    , m_trimmer(new MemoryTrimmer(30000, this))
{ }

ConsoleController::~ConsoleController() = default;

ConnectionProfile ConsoleController::profileFor(const AppOptions &options, QString *error)
{
    ConnectionProfile profile;
    if (!options.profile.isEmpty()) {
        QSettings settings;
        ProfileStore store(settings);
        const auto loaded = store.load(options.profile);
        if (!loaded) {
            if (error)
                *error
                    = QStringLiteral("no profile named '%1' (known: %2)")
                          .arg(options.profile,
                               store.names().isEmpty() ? QStringLiteral("none")
                                                       : store.names().join(QStringLiteral(", ")));
            return profile;
        }
        profile = *loaded;
    }
    if (!options.redisUri.isEmpty())
        profile.redisUri = options.redisUri;
    if (!options.pgDsn.isEmpty())
        profile.pgDsn = options.pgDsn;
    if (!options.pgReplicaDsn.isEmpty())
        profile.pgReplicaDsn = options.pgReplicaDsn;
    if (!options.keyNamespace.isEmpty())
        profile.keyNamespace = options.keyNamespace;
    if (!options.operatorName.isEmpty())
        profile.operatorName = options.operatorName;
    if (profile.operatorName.isEmpty())
        profile.operatorName = qEnvironmentVariable("USER");
    return profile;
}

void ConsoleController::start()
{
    // A new profile starts from a clean slate: nothing left over from the previous one.
    for (const char *name : {"Redis", "Postgres"}) {
        BackendStatus status;
        status.backend = QString::fromLatin1(name);
        status.summary = QStringLiteral("not configured");
        if (status.backend == QLatin1String("Redis"))
            m_window.setRedisStatus(status);
        else
            m_window.setPostgresStatus(status);
    }
    // Passwords: one given in the URI on the command line wins; then the keychain for a
    // saved profile; then the environment (libpq also reads PGPASSWORD and ~/.pgpass
    // itself). The keychain answers asynchronously; after an authentication failure the
    // operator is asked.
    m_sessions = std::make_unique<SessionsFeature>(m_window, m_profile);
    m_events = std::make_unique<EventsFeature>(m_profile, &m_window);
    if (!m_profile.name.isEmpty())
        m_secrets = new SecretStore(QStringLiteral("switchboard"), this);
    if (!m_profile.pgDsn.isEmpty()) {
        if (m_secrets)
            m_secrets->read(m_profile.name, SecretStore::Secret::PostgresPassword, this,
                            [this](const std::optional<QString> &value, const QString &) {
                                startPostgres(value.value_or(QString()));
                            });
        else
            startPostgres(QString());
    }
    if (!m_profile.redisUri.isEmpty() || !m_profile.sentinels.isEmpty()) {
        QString uriPassword;
        m_profile.redisUri = ConnectionProfile::stripPassword(m_profile.redisUri, &uriPassword);
        if (!uriPassword.isEmpty() || !m_secrets) {
            if (uriPassword.isEmpty())
                uriPassword = SecretStore::fromEnvironment(SecretStore::Secret::RedisPassword)
                                  .value_or(QString());
            startRedis(uriPassword);
        } else {
            m_secrets->read(m_profile.name, SecretStore::Secret::RedisPassword, this,
                            [this](const std::optional<QString> &value, const QString &) {
                                startRedis(value.value_or(QString()));
                            });
        }
    }
}

bool ConsoleController::isAuthFailure(const QString &text)
{
    for (const char *needle : {"WRONGPASS", "NOAUTH", "password authentication failed",
                               "no password supplied", "fe_sendauth"})
        if (text.contains(QLatin1String(needle), Qt::CaseInsensitive))
            return true;
    return false;
}

void ConsoleController::askPassword(bool redis, const QString &reason)
{
    bool &asked = redis ? m_askedRedis : m_askedPostgres;
    if (asked || !m_window.isVisible())
        return;
    asked = true;
    auto *dialog = new QInputDialog(&m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(redis ? QStringLiteral("Redis password")
                                 : QStringLiteral("Postgres password"));
    dialog->setLabelText(QStringLiteral("%1\n\nPassword (kept in memory for this session only):")
                             .arg(untrusted::block(reason, 2000)));
    // The reason is a server's words: plain text (QInputDialog's label guesses HTML).
    for (QLabel *label : dialog->findChildren<QLabel *>())
        untrusted::makePlain(label);
    dialog->setTextEchoMode(QLineEdit::Password);
    connect(dialog, &QInputDialog::textValueSelected, this, [this, redis](const QString &password) {
        if (redis) {
            processes()->setRedis(nullptr, {});
            m_redis.reset();
            startRedis(password);
        } else {
            processes()->setPostgres(nullptr);
            m_postgres.reset();
            startPostgres(password);
        }
    });
    dialog->open();
}

void ConsoleController::startPostgres(const QString &password)
{
    m_postgres = std::make_unique<PostgresBackend>(
        PgConfig(ConnectionProfile::pgDsnWithPassword(m_profile.pgDsn, password),
                 ConnectionProfile::pgDsnWithPassword(m_profile.pgReplicaDsn, password)));
    connect(m_postgres.get(), &PostgresBackend::statusChanged, &m_window,
            &MainWindow::setPostgresStatus);
    connect(m_postgres.get(), &PostgresBackend::statusChanged, this,
            [this](const BackendStatus &st) {
                if (st.state == BackendStatus::State::Failed && isAuthFailure(st.summary))
                    askPassword(false, st.summary);
            });
    m_events->setPostgres(m_postgres.get());
    installTracesView(m_window, *m_postgres, m_profile);
    m_postgres->start();
    processes()->setPostgres(m_postgres.get());
    m_prompts->attachPostgres(m_postgres.get());
}

void ConsoleController::startRedis(const QString &password)
{
    QString error;
    const auto options = RedisBackend::optionsFor(m_profile, password, &error);
    if (!options) {
        BackendStatus status;
        status.backend = QStringLiteral("Redis");
        status.state = BackendStatus::State::Failed;
        status.summary = QStringLiteral("failed: %1").arg(error);
        m_window.setRedisStatus(status);
        return;
    }
    m_redis = std::make_unique<RedisBackend>(*options);
    connect(m_redis.get(), &RedisBackend::statusChanged, &m_window, &MainWindow::setRedisStatus);
    connect(m_redis.get(), &RedisBackend::statusChanged, this, [this](const BackendStatus &st) {
        if (st.state == BackendStatus::State::Failed && isAuthFailure(st.summary))
            askPassword(true, st.summary);
    });
    m_redis->start();
    processes()->setRedis(m_redis.get(), *options);
    m_sessions->setRedis(m_redis.get());
    m_events->setRedis(*options);
    m_prompts->attachRedis(m_redis.get());
}

ProcessesFeature *ConsoleController::processes()
{
    if (!m_processes)
        m_processes = new ProcessesFeature(m_profile, m_window, this);
    return m_processes;
}

} // namespace switchboard
