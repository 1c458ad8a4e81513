#pragma once
// A real PostgreSQL 15 for one test executable: initdb into a temp dir (as the postgres
// user when running as root), random loopback port, optional ssl=on with a TestCa,
// stopped and removed in the destructor. Databases are cheap: create one per test.
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace switchboard::test {

class TestCa;

struct PostgresOptions
{
    bool tls = false;
    const TestCa *ca = nullptr;
    // Extra postgresql.conf lines.
    QString extraConfig;
};

class PostgresServer
{
public:
    explicit PostgresServer(const PostgresOptions &options = {});
    ~PostgresServer();
    PostgresServer(const PostgresServer &) = delete;
    PostgresServer &operator=(const PostgresServer &) = delete;

    bool start(); // initdb + start, waits until ready (max 30 s)
    void stop();
    bool restart(); // after stop(): same data dir and port, data kept
    // SIGSTOP / SIGCONT the postmaster and every backend: a server that accepts TCP
    // connections but never answers, as a hung or frozen host looks to a client.
    bool pause();
    bool resume();
    QString error() const { return m_error; }
    int port() const { return m_port; }

    // Superuser DSN for a database (host=127.0.0.1 port=… user=postgres dbname=…),
    // with sslmode=require when the server was started with tls.
    QString dsn(const QString &database = QStringLiteral("postgres")) const;
    // DSN for a login role made by createLogin (password authentication is scram).
    QString loginDsn(const QString &role, const QString &password,
                     const QString &database = QStringLiteral("postgres")) const;
    QString dataDir() const;
    QString logFile() const;

    // Creates an empty database; with migrate=true applies every migration through
    // core's Migrator. Returns false and sets error() on failure.
    bool createDatabase(const QString &name, bool migrate = true);

    // Creates a login role with a password (for viewer / operator / wrong-password tests).
    bool createLogin(const QString &role, const QString &password,
                     const QStringList &grantRoles = {});

    // Runs psql -v ON_ERROR_STOP=1 -At -c sql as superuser; returns stdout.
    QByteArray psql(const QString &database, const QString &sql, bool *ok = nullptr) const;

private:
    // Runs a server-side tool from the PostgreSQL bin dir (as postgres when root).
    bool run(const QString &tool, const QStringList &args, int timeoutMs,
             QByteArray *output = nullptr);

    PostgresOptions m_options;
    std::unique_ptr<QTemporaryDir> m_dir;
    int m_port = 0;
    bool m_running = false;
    QList<int> m_paused;
    mutable QString m_error;
};

} // namespace switchboard::test
