#include "support/PostgresServer.h"

#include "core/pg/Migrator.h"
#include "support/OrphanGuard.h"
#include "support/Ports.h"
#include "support/TestCa.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>

#include <pqxx/pqxx>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace switchboard::test {

namespace {

const QString kBinDir = QStringLiteral("/usr/lib/postgresql/15/bin");
const QString kPgUser = QStringLiteral("postgres");

bool isRoot()
{
    return ::geteuid() == 0;
}

bool chownToPostgres(const QString &path)
{
    if (!isRoot())
        return true;
    const struct passwd *pw = ::getpwnam("postgres");
    return pw && ::chown(QFile::encodeName(path).constData(), pw->pw_uid, pw->pw_gid) == 0;
}

// Postgres refuses to run as root: as root, every server-side tool runs as postgres.
struct Command
{
    QString program;
    QStringList args;
};

Command serverCommand(const QString &tool, const QStringList &args)
{
    const QString program = kBinDir + QLatin1Char('/') + tool;
    if (!isRoot())
        return {program, args};
    return {QStringLiteral("runuser"),
            QStringList {QStringLiteral("-u"), kPgUser, QStringLiteral("--"), program} + args};
}

QString quoteLiteral(const QString &value)
{
    QString escaped = value;
    escaped.replace(QLatin1Char('\''), QStringLiteral("''"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

QString quoteIdent(const QString &value)
{
    QString escaped = value;
    escaped.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

bool appendFile(const QString &path, const QString &text, bool truncate)
{
    QFile f(path);
    if (!f.open(truncate ? (QIODevice::WriteOnly | QIODevice::Truncate)
                         : (QIODevice::WriteOnly | QIODevice::Append)))
        return false;
    return f.write(text.toUtf8()) >= 0;
}

} // namespace

PostgresServer::PostgresServer(const PostgresOptions &options)
    : m_options(options)
{ }

PostgresServer::~PostgresServer()
{
    stop();
}

QString PostgresServer::dataDir() const
{
    return m_dir ? m_dir->filePath(QStringLiteral("data")) : QString();
}

QString PostgresServer::logFile() const
{
    return m_dir ? m_dir->filePath(QStringLiteral("postgres.log")) : QString();
}

bool PostgresServer::run(const QString &tool, const QStringList &args, int timeoutMs,
                         QByteArray *output)
{
    const Command cmd = serverCommand(tool, args);
    QProcess p;
    // The postgres user may not be able to read the caller's working directory.
    p.setWorkingDirectory(m_dir->path());
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(cmd.program, cmd.args);
    const bool finished = p.waitForFinished(timeoutMs);
    const QByteArray out = p.readAll();
    if (output)
        *output = out;
    if (!finished || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        if (!finished) {
            p.kill();
            p.waitForFinished(2000);
        }
        m_error = QStringLiteral("%1 failed (%2): %3")
                      .arg(tool,
                           finished ? QStringLiteral("exit %1").arg(p.exitCode())
                                    : QStringLiteral("timed out"),
                           QString::fromLocal8Bit(out).trimmed());
        return false;
    }
    return true;
}

bool PostgresServer::start()
{
    if (m_running)
        return true;
    m_error.clear();
    m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath()
                                            + QStringLiteral("/switchboard-pg-XXXXXX"));
    if (!m_dir->isValid()) {
        m_error = QStringLiteral("cannot create a temp dir for Postgres");
        return false;
    }
    const QString dir = m_dir->path();
    ::chmod(QFile::encodeName(dir).constData(), 0700);
    if (!chownToPostgres(dir)) {
        m_error = QStringLiteral("cannot chown %1 to postgres").arg(dir);
        return false;
    }
    if (!run(QStringLiteral("initdb"),
             {QStringLiteral("-D"), dataDir(), QStringLiteral("-U"), kPgUser, QStringLiteral("-A"),
              QStringLiteral("trust"), QStringLiteral("--no-sync"), QStringLiteral("-E"),
              QStringLiteral("UTF8"), QStringLiteral("--locale=C")},
             60000))
        return false;

    // The superuser connects without a password (the fixture's own psql and migrator);
    // every other role must use scram, so wrong-password tests mean something. With TLS
    // only hostssl lines exist: a plain connection is refused.
    const QString host = m_options.tls ? QStringLiteral("hostssl") : QStringLiteral("host");
    const QString hba = QStringLiteral("local all all trust\n") + host
        + QStringLiteral(" all postgres 127.0.0.1/32 trust\n") + host
        + QStringLiteral(" all all 127.0.0.1/32 scram-sha-256\n");
    QString conf = QStringLiteral("\n# switchboard test fixture\n"
                                  "listen_addresses = '127.0.0.1'\n"
                                  "unix_socket_directories = '%1'\n"
                                  "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                                  "max_connections = 60\nshared_buffers = 32MB\n"
                                  "password_encryption = 'scram-sha-256'\n")
                       .arg(dir);
    if (m_options.tls) {
        if (!m_options.ca || !m_options.ca->isValid()) {
            m_error = QStringLiteral("tls requested without a valid TestCa");
            return false;
        }
        QString key, cert;
        if (!m_options.ca->installServerFilesFor(kPgUser, dataDir(), &key, &cert)) {
            m_error = QStringLiteral("cannot install the server certificate for postgres");
            return false;
        }
        conf += QStringLiteral("ssl = on\nssl_cert_file = '%1'\nssl_key_file = '%2'\n"
                               "ssl_ca_file = '%3'\n")
                    .arg(cert, key, m_options.ca->caCert());
    }
    conf += m_options.extraConfig + QLatin1Char('\n');
    if (!appendFile(dataDir() + QStringLiteral("/pg_hba.conf"), hba, true)
        || !appendFile(dataDir() + QStringLiteral("/postgresql.conf"), conf, false)) {
        m_error = QStringLiteral("cannot write the Postgres configuration");
        return false;
    }

    // A port that was free a moment ago may be taken by the time postgres binds it.
    for (int attempt = 0; attempt < 3; ++attempt) {
        m_port = freeLoopbackPort();
        if (m_port == 0)
            continue;
        if (run(QStringLiteral("pg_ctl"),
                {QStringLiteral("-D"), dataDir(), QStringLiteral("-l"), logFile(),
                 QStringLiteral("-o"), QStringLiteral("-p %1").arg(m_port), QStringLiteral("-t"),
                 QStringLiteral("30"), QStringLiteral("-w"), QStringLiteral("start")},
                40000)) {
            m_running = true;
            // pg_ctl daemonises the postmaster: stop it (fast shutdown) and remove the
            // cluster if this test process dies without running the destructor.
            const QString pidFile = shellQuote(dataDir() + QStringLiteral("/postmaster.pid"));
            cleanupAfterTestProcess(
                QStringLiteral("if [ -f %1 ]; then kill -INT $(head -n 1 %1); sleep 5; fi; "
                               "rm -rf %2")
                    .arg(pidFile, shellQuote(dir)));
            return true;
        }
        QFile log(logFile());
        if (log.open(QIODevice::ReadOnly))
            m_error += QStringLiteral("\nserver log:\n")
                + QString::fromLocal8Bit(log.readAll().right(2000));
    }
    return false;
}

bool PostgresServer::restart()
{
    if (m_running)
        return true;
    if (!m_dir || m_port == 0) {
        m_error = QStringLiteral("restart() before a first start()");
        return false;
    }
    m_error.clear();
    // Same data dir, same port: clients that knew the old server must find the new one.
    if (!run(QStringLiteral("pg_ctl"),
             {QStringLiteral("-D"), dataDir(), QStringLiteral("-l"), logFile(),
              QStringLiteral("-o"), QStringLiteral("-p %1").arg(m_port), QStringLiteral("-t"),
              QStringLiteral("30"), QStringLiteral("-w"), QStringLiteral("start")},
             40000))
        return false;
    m_running = true;
    return true;
}

void PostgresServer::stop()
{
    if (!m_running)
        return;
    m_running = false;
    if (!m_paused.isEmpty())
        resume(); // a stopped postmaster ignores pg_ctl stop
    if (!run(QStringLiteral("pg_ctl"),
             {QStringLiteral("-D"), dataDir(), QStringLiteral("-m"), QStringLiteral("fast"),
              QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("30"),
              QStringLiteral("stop")},
             40000)) {
        // Last resort: never leave a server behind.
        run(QStringLiteral("pg_ctl"),
            {QStringLiteral("-D"), dataDir(), QStringLiteral("-m"), QStringLiteral("immediate"),
             QStringLiteral("-w"), QStringLiteral("stop")},
            20000);
    }
}

QString PostgresServer::dsn(const QString &database) const
{
    QString result
        = QStringLiteral("host=127.0.0.1 port=%1 user=postgres dbname=%2 connect_timeout=10")
              .arg(m_port)
              .arg(database);
    if (m_options.tls)
        result += QStringLiteral(" sslmode=require");
    return result;
}

QString PostgresServer::loginDsn(const QString &role, const QString &password,
                                 const QString &database) const
{
    QString result = QStringLiteral("host=127.0.0.1 port=%1 user=%2 password=%3 dbname=%4 "
                                    "connect_timeout=10")
                         .arg(m_port)
                         .arg(role, quoteLiteral(password), database);
    if (m_options.tls)
        result += QStringLiteral(" sslmode=require");
    return result;
}

bool PostgresServer::createDatabase(const QString &name, bool migrate)
{
    bool ok = false;
    psql(QStringLiteral("postgres"), QStringLiteral("CREATE DATABASE %1").arg(quoteIdent(name)),
         &ok);
    if (!ok)
        return false;
    if (!migrate)
        return true;
    QString problems;
    const Migrator migrator(Migrator::embeddedMigrations(&problems));
    if (!problems.isEmpty()) {
        m_error = QStringLiteral("embedded migrations: %1").arg(problems);
        return false;
    }
    try {
        pqxx::connection connection(dsn(name).toStdString());
        const MigrationReport report = migrator.migrate(connection);
        if (!report.ok) {
            m_error = report.error;
            return false;
        }
    } catch (const std::exception &e) {
        m_error = QStringLiteral("cannot connect to migrate %1: %2")
                      .arg(name, QString::fromUtf8(e.what()));
        return false;
    }
    return true;
}

bool PostgresServer::createLogin(const QString &role, const QString &password,
                                 const QStringList &grantRoles)
{
    QString sql = QStringLiteral("DO $$BEGIN "
                                 "IF EXISTS (SELECT FROM pg_roles WHERE rolname = %1) THEN "
                                 "ALTER ROLE %2 LOGIN PASSWORD %3; "
                                 "ELSE CREATE ROLE %2 LOGIN PASSWORD %3; END IF; END$$;")
                      .arg(quoteLiteral(role), quoteIdent(role), quoteLiteral(password));
    for (const QString &grant : grantRoles)
        sql += QStringLiteral(" GRANT %1 TO %2;").arg(quoteIdent(grant), quoteIdent(role));
    bool ok = false;
    psql(QStringLiteral("postgres"), sql, &ok);
    return ok;
}

QByteArray PostgresServer::psql(const QString &database, const QString &sql, bool *ok) const
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (m_options.tls)
        env.insert(QStringLiteral("PGSSLMODE"), QStringLiteral("require"));
    env.insert(QStringLiteral("PGCONNECT_TIMEOUT"), QStringLiteral("10"));
    p.setProcessEnvironment(env);
    p.start(kBinDir + QStringLiteral("/psql"),
            {QStringLiteral("-X"), QStringLiteral("-v"), QStringLiteral("ON_ERROR_STOP=1"),
             QStringLiteral("-At"), QStringLiteral("-h"), QStringLiteral("127.0.0.1"),
             QStringLiteral("-p"), QString::number(m_port), QStringLiteral("-U"), kPgUser,
             QStringLiteral("-d"), database, QStringLiteral("-c"), sql});
    const bool finished = p.waitForFinished(60000);
    const bool good = finished && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (ok)
        *ok = good;
    if (!good) {
        m_error = QStringLiteral("psql failed: %1")
                      .arg(QString::fromLocal8Bit(p.readAllStandardError()).trimmed());
    }
    return p.readAllStandardOutput();
}

namespace {
// The postmaster's pid (first line of postmaster.pid) and every process whose parent it
// is (the backends and auxiliary processes), read from /proc.
QList<int> clusterPids(const QString &dataDir)
{
    QFile pidFile(dataDir + QStringLiteral("/postmaster.pid"));
    if (!pidFile.open(QIODevice::ReadOnly))
        return {};
    const int postmaster = pidFile.readLine().trimmed().toInt();
    if (postmaster <= 0)
        return {};
    QList<int> pids {postmaster};
    QDirIterator it(QStringLiteral("/proc"), QDir::Dirs | QDir::NoDotAndDotDot);
    while (it.hasNext()) {
        it.next();
        bool numeric = false;
        const int pid = it.fileName().toInt(&numeric);
        if (!numeric)
            continue;
        QFile stat(it.filePath() + QStringLiteral("/stat"));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
        const QByteArray line = stat.readAll();
        const QList<QByteArray> rest = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (rest.size() > 1 && rest.at(1).toInt() == postmaster)
            pids << pid;
    }
    return pids;
}
} // namespace

bool PostgresServer::pause()
{
    m_paused = clusterPids(dataDir());
    if (m_paused.isEmpty()) {
        m_error = QStringLiteral("no postmaster to pause");
        return false;
    }
    for (int pid : std::as_const(m_paused))
        ::kill(pid, SIGSTOP);
    return true;
}

bool PostgresServer::resume()
{
    QList<int> pids = m_paused;
    pids << clusterPids(dataDir());
    for (int pid : std::as_const(pids))
        ::kill(pid, SIGCONT);
    m_paused.clear();
    return true;
}

} // namespace switchboard::test
