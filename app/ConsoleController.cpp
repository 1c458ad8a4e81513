#include "app/ConsoleController.h"

#include "app/MainWindow.h"
#include "core/pg/PgConfig.h"
#include "core/services/PostgresBackend.h"
#include "core/services/ProfileStore.h"
#include "core/services/RedisBackend.h"
#include "core/services/SecretStore.h"

#include <QSettings>

namespace switchboard {

ConsoleController::ConsoleController(ConnectionProfile profile, MainWindow &window, QObject *parent)
    : QObject(parent)
    , m_profile(std::move(profile))
    , m_window(window)
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
    if (!m_profile.pgDsn.isEmpty()) {
        m_postgres
            = std::make_unique<PostgresBackend>(PgConfig(m_profile.pgDsn, m_profile.pgReplicaDsn));
        connect(m_postgres.get(), &PostgresBackend::statusChanged, &m_window,
                &MainWindow::setPostgresStatus);
        m_postgres->start();
    }
    if (!m_profile.redisUri.isEmpty() || !m_profile.sentinels.isEmpty()) {
        // A password in the URI given on the command line wins; then the keychain for a
        // saved profile; then the environment. The keychain answers asynchronously.
        QString uriPassword;
        m_profile.redisUri = ConnectionProfile::stripPassword(m_profile.redisUri, &uriPassword);
        if (!uriPassword.isEmpty() || m_profile.name.isEmpty()) {
            if (uriPassword.isEmpty())
                uriPassword = SecretStore::fromEnvironment(SecretStore::Secret::RedisPassword)
                                  .value_or(QString());
            startRedis(uriPassword);
            return;
        }
        m_secrets = new SecretStore(QStringLiteral("switchboard"), this);
        m_secrets->read(m_profile.name, SecretStore::Secret::RedisPassword, this,
                        [this](std::optional<QString> value, const QString &) {
                            startRedis(value.value_or(QString()));
                        });
    }
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
    m_redis->start();
}

} // namespace switchboard
