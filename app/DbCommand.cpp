#include "app/DbCommand.h"

#include "core/pg/Migrator.h"
#include "core/services/ProfileStore.h"

#include <QSettings>

#include <cstdio>
#include <pqxx/pqxx>

namespace switchboard {

namespace {
void out(const QString &text)
{
    std::printf("%s\n", text.toLocal8Bit().constData());
    std::fflush(stdout);
}
void err(const QString &text)
{
    std::fprintf(stderr, "switchboard: %s\n", text.toLocal8Bit().constData());
}
} // namespace

int runDbCommand(const AppOptions &options)
{
    QString dsn = options.pgDsn;
    if (dsn.isEmpty() && !options.profile.isEmpty()) {
        QSettings settings;
        ProfileStore store(settings);
        const auto profile = store.load(options.profile);
        if (!profile) {
            err(QStringLiteral("no profile named %1").arg(options.profile));
            return 2;
        }
        dsn = profile->pgDsn;
    }
    // libpq reads these itself; they are defaults that a DSN can still override.
    if (!qEnvironmentVariableIsSet("PGAPPNAME"))
        qputenv("PGAPPNAME", "switchboard");
    if (!qEnvironmentVariableIsSet("PGCONNECT_TIMEOUT"))
        qputenv("PGCONNECT_TIMEOUT", "10");

    QString loadError;
    const Migrator migrator(Migrator::embeddedMigrations(&loadError));
    if (!loadError.isEmpty()) {
        err(loadError);
        return 1;
    }
    try {
        pqxx::connection connection(dsn.toStdString());
        if (options.mode == AppOptions::Mode::DbMigrate) {
            const MigrationReport report = migrator.migrate(connection);
            if (!report.ok) {
                err(QStringLiteral("migration failed: %1").arg(report.error));
                return 1;
            }
            out(report.summary());
            return 0;
        }
        const SchemaStatus status = migrator.check(connection);
        out(status.message);
        if (status.kind == SchemaStatus::Current)
            return 0;
        return status.kind == SchemaStatus::Error ? 1 : 3;
    } catch (const std::exception &e) {
        err(QStringLiteral("cannot connect to Postgres: %1")
                .arg(QString::fromLocal8Bit(e.what()).trimmed()));
        return 1;
    }
}

} // namespace switchboard
