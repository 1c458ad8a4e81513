#pragma once
// Applies Switchboard's numbered SQL migrations to a Postgres database and tells the
// console whether a database's schema is one it understands. Each migration runs in one
// transaction together with its agentops.schema_version row, under an advisory lock, so
// two migrators (two consoles, a console and a CI job) cannot interleave.
#include <QList>
#include <QString>

namespace pqxx {
class connection_base;
class transaction_base;
} // namespace pqxx

namespace switchboard {

struct Migration
{
    int version = 0;
    QString name;
    QByteArray sql; // no BEGIN/COMMIT: the migrator owns the transaction

    QString checksum() const; // sha256 hex of sql
};

struct MigrationReport
{
    bool ok = true;
    QString error; // set when ok is false
    QList<int> applied; // versions applied by this run, ascending
    QList<int> alreadyApplied; // versions that were already recorded

    QString summary() const; // one line for a human: "applied 001, 002; 003 already there"
};

struct SchemaStatus
{
    enum Kind { Missing, Older, Current, Newer, Error };
    Kind kind = Error;
    int found = 0;
    int expected = 0;
    QString message; // plain words for the status bar / a dialog
};

class Migrator
{
public:
    explicit Migrator(QList<Migration> migrations);

    // The migrations compiled into core as :/sql/NNN_name.sql, sorted by version.
    // A file whose name does not match is reported through *error and skipped.
    static QList<Migration> embeddedMigrations(QString *error = nullptr);

    const QList<Migration> &migrations() const { return m_migrations; }
    int latestVersion() const;

    // Applies every migration not yet recorded. Never throws.
    MigrationReport migrate(pqxx::connection_base &connection) const;

    // Read-only look at agentops.schema_version. Never throws.
    SchemaStatus check(pqxx::connection_base &connection) const;
    // The same inside a transaction the caller owns (a PgPool job). Never throws.
    SchemaStatus check(pqxx::transaction_base &tx) const;

private:
    QList<Migration> m_migrations;
};

} // namespace switchboard
