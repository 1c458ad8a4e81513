#include "app/ConsoleController.h"

#include "app/MainWindow.h"
#include "core/pg/PgConfig.h"
#include "core/services/PostgresBackend.h"
#include "core/services/ProfileStore.h"

#include <QSettings>

namespace switchboard {

ConsoleController::ConsoleController(ConnectionProfile profile, MainWindow &window,
                                     QObject *parent)
    : QObject(parent)
    , m_profile(std::move(profile))
    , m_window(window)
{
}

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
                *error = QStringLiteral("no profile named '%1' (known: %2)")
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
    if (!m_profile.pgDsn.isEmpty()) {
        m_postgres = std::make_unique<PostgresBackend>(
            PgConfig(m_profile.pgDsn, m_profile.pgReplicaDsn));
        connect(m_postgres.get(), &PostgresBackend::statusChanged, &m_window,
                &MainWindow::setPostgresStatus);
        m_postgres->start();
    }
}

} // namespace switchboard
