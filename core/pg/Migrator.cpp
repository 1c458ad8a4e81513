#include "core/pg/Migrator.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRegularExpression>

#include <algorithm>
#include <pqxx/pqxx>

namespace switchboard {

namespace {

// Arbitrary but fixed: every Switchboard migrator takes the same transaction-scoped lock.
constexpr long long kAdvisoryLockKey = 0x53574254'4D494752LL; // "SWBTMIGR"

constexpr const char *kBootstrapSql = "CREATE SCHEMA IF NOT EXISTS agentops;"
                                      "CREATE TABLE IF NOT EXISTS agentops.schema_version ("
                                      "  version integer PRIMARY KEY,"
                                      "  name text NOT NULL,"
                                      "  checksum text NOT NULL,"
                                      "  applied_at timestamptz NOT NULL DEFAULT now(),"
                                      "  applied_by text NOT NULL DEFAULT current_user)";

std::string lockSql()
{
    return "SELECT pg_advisory_xact_lock(" + std::to_string(kAdvisoryLockKey) + ")";
}

QString versionText(int v)
{
    return QStringLiteral("%1").arg(v, 3, 10, QLatin1Char('0'));
}

QString joinVersions(const QList<int> &versions)
{
    QStringList parts;
    for (int v : versions)
        parts << versionText(v);
    return parts.join(QStringLiteral(", "));
}

} // namespace

QString Migration::checksum() const
{
    return QString::fromLatin1(QCryptographicHash::hash(sql, QCryptographicHash::Sha256).toHex());
}

QString MigrationReport::summary() const
{
    if (!ok)
        return error;
    QStringList parts;
    if (!applied.isEmpty())
        parts << QStringLiteral("applied %1").arg(joinVersions(applied));
    else
        parts << QStringLiteral("nothing to apply");
    if (!alreadyApplied.isEmpty())
        parts << QStringLiteral("already there: %1").arg(joinVersions(alreadyApplied));
    return parts.join(QStringLiteral("; "));
}

Migrator::Migrator(QList<Migration> migrations)
    : m_migrations(std::move(migrations))
{
    std::sort(m_migrations.begin(), m_migrations.end(),
              [](const Migration &a, const Migration &b) { return a.version < b.version; });
}

QList<Migration> Migrator::embeddedMigrations(QString *error)
{
    static const QRegularExpression pattern(QStringLiteral("^(\\d+)_([A-Za-z0-9_\\-]+)\\.sql$"));
    QList<Migration> result;
    QStringList problems;
    const QDir dir(QStringLiteral(":/sql"));
    const QStringList files = dir.entryList(QDir::Files, QDir::Name);
    for (const QString &file : files) {
        const auto match = pattern.match(file);
        if (!match.hasMatch()) {
            problems << QStringLiteral("%1: not named NNN_name.sql").arg(file);
            continue;
        }
        QFile f(dir.filePath(file));
        if (!f.open(QIODevice::ReadOnly)) {
            problems << QStringLiteral("%1: cannot read").arg(file);
            continue;
        }
        result.append({match.captured(1).toInt(), match.captured(2), f.readAll()});
    }
    if (error)
        *error = problems.join(QStringLiteral("; "));
    std::sort(result.begin(), result.end(),
              [](const Migration &a, const Migration &b) { return a.version < b.version; });
    return result;
}

int Migrator::latestVersion() const
{
    return m_migrations.isEmpty() ? 0 : m_migrations.constLast().version;
}

MigrationReport Migrator::migrate(pqxx::connection_base &connection) const
{
    MigrationReport report;
    const auto fail = [&report](const QString &message) {
        report.ok = false;
        report.error = message;
        return report;
    };
    for (int i = 1; i < m_migrations.size(); ++i) {
        if (m_migrations.at(i).version == m_migrations.at(i - 1).version)
            return fail(QStringLiteral("two migrations share version %1")
                            .arg(versionText(m_migrations.at(i).version)));
    }
    try {
        {
            pqxx::work tx(connection, "switchboard-migrate-bootstrap");
            tx.exec(lockSql());
            tx.exec(kBootstrapSql);
            const pqxx::row top
                = tx.exec1("SELECT coalesce(max(version), 0) FROM agentops.schema_version");
            const int found = top[0].as<int>();
            if (found > latestVersion()) {
                return fail(QStringLiteral("database schema is version %1 but this Switchboard "
                                           "understands up to %2: upgrade Switchboard")
                                .arg(found)
                                .arg(latestVersion()));
            }
            tx.commit();
        }
        for (const Migration &m : m_migrations) {
            // One transaction per migration: the DDL and its schema_version row commit
            // together or not at all.
            pqxx::work tx(connection, "switchboard-migrate");
            tx.exec(lockSql());
            const pqxx::result existing = tx.exec_params(
                "SELECT checksum FROM agentops.schema_version WHERE version = $1", m.version);
            if (!existing.empty()) {
                const QString recorded = QString::fromStdString(existing[0][0].as<std::string>());
                if (recorded != m.checksum()) {
                    return fail(QStringLiteral("migration %1_%2 was applied with checksum %3 but "
                                               "this Switchboard has %4: the file was changed "
                                               "after it was applied")
                                    .arg(versionText(m.version), m.name, recorded.left(12),
                                         m.checksum().left(12)));
                }
                report.alreadyApplied << m.version;
                continue;
            }
            try {
                tx.exec(m.sql.toStdString());
            } catch (const std::exception &e) {
                return fail(QStringLiteral("migration %1_%2 failed and was rolled back: %3")
                                .arg(versionText(m.version), m.name,
                                     QString::fromUtf8(e.what()).trimmed()));
            }
            tx.exec_params("INSERT INTO agentops.schema_version (version, name, checksum) "
                           "VALUES ($1, $2, $3)",
                           m.version, m.name.toStdString(), m.checksum().toStdString());
            tx.commit();
            report.applied << m.version;
        }
    } catch (const std::exception &e) {
        return fail(
            QStringLiteral("migration failed: %1").arg(QString::fromUtf8(e.what()).trimmed()));
    }
    return report;
}

SchemaStatus Migrator::check(pqxx::connection_base &connection) const
{
    try {
        pqxx::read_transaction tx(connection, "switchboard-schema-check");
        return check(tx);
    } catch (const std::exception &e) {
        SchemaStatus status;
        status.expected = latestVersion();
        status.kind = SchemaStatus::Error;
        status.message = QStringLiteral("cannot read the schema version: %1")
                             .arg(QString::fromUtf8(e.what()).trimmed());
        return status;
    }
}

SchemaStatus Migrator::check(pqxx::transaction_base &tx) const
{
    SchemaStatus status;
    status.expected = latestVersion();
    try {
        const pqxx::row exists
            = tx.exec1("SELECT to_regclass('agentops.schema_version') IS NOT NULL");
        if (!exists[0].as<bool>()) {
            status.kind = SchemaStatus::Missing;
            status.message = QStringLiteral("database has no Switchboard schema "
                                            "(agentops.schema_version is missing): run "
                                            "'switchboard db migrate' against it");
            return status;
        }
        const pqxx::row top
            = tx.exec1("SELECT coalesce(max(version), 0) FROM agentops.schema_version");
        status.found = top[0].as<int>();
    } catch (const std::exception &e) {
        status.kind = SchemaStatus::Error;
        status.message = QStringLiteral("cannot read the schema version: %1")
                             .arg(QString::fromUtf8(e.what()).trimmed());
        return status;
    }
    if (status.found == 0) {
        status.kind = SchemaStatus::Missing;
        status.message = QStringLiteral("database has an empty agentops.schema_version: run "
                                        "'switchboard db migrate' against it");
    } else if (status.found < status.expected) {
        status.kind = SchemaStatus::Older;
        status.message = QStringLiteral("database schema is version %1 but this Switchboard "
                                        "needs version %2: run 'switchboard db migrate'")
                             .arg(status.found)
                             .arg(status.expected);
    } else if (status.found > status.expected) {
        status.kind = SchemaStatus::Newer;
        status.message = QStringLiteral("database schema is version %1 but this Switchboard "
                                        "understands up to %2: upgrade Switchboard")
                             .arg(status.found)
                             .arg(status.expected);
    } else {
        status.kind = SchemaStatus::Current;
        status.message
            = QStringLiteral("database schema is version %1 (current)").arg(status.found);
    }
    return status;
}

} // namespace switchboard
