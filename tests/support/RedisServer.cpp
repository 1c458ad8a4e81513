#include "support/RedisServer.h"

#include "support/OrphanGuard.h"
#include "support/Ports.h"
#include "support/TestCa.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QThread>

#include <functional>
#include <signal.h>

namespace switchboard::test {

namespace {

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

void stopProcess(QProcess *process)
{
    if (!process || process->state() == QProcess::NotRunning)
        return;
    // A paused server ignores SIGTERM until it is continued.
    ::kill(static_cast<pid_t>(process->processId()), SIGCONT);
    process->terminate();
    if (!process->waitForFinished(5000)) {
        process->kill();
        process->waitForFinished(5000);
    }
}

// Polls with redis-cli until the server answers (PONG, or NOAUTH when a password is set).
bool waitUntilAnswering(const std::function<QByteArray()> &ping, QProcess *process, QString *error)
{
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        if (process->state() == QProcess::NotRunning) {
            *error = QStringLiteral("server exited: %1")
                         .arg(QString::fromLocal8Bit(process->readAllStandardOutput()
                                                     + process->readAllStandardError()));
            return false;
        }
        const QByteArray answer = ping();
        if (answer.contains("PONG") || answer.contains("NOAUTH"))
            return true;
        QThread::msleep(50);
    }
    *error = QStringLiteral("server did not answer PING within 10 s");
    return false;
}

} // namespace

RedisServer::RedisServer(const RedisOptions &options)
    : m_options(options)
{ }

RedisServer::~RedisServer()
{
    stop();
}

QString RedisServer::uri() const
{
    if (m_options.tls)
        return QStringLiteral("rediss://localhost:%1").arg(m_port);
    return QStringLiteral("redis://127.0.0.1:%1").arg(m_port);
}

bool RedisServer::start()
{
    if (isRunning())
        return true;
    if (!m_dir) {
        m_dir = std::make_unique<QTemporaryDir>();
        if (!m_dir->isValid()) {
            m_error = QStringLiteral("cannot create a temp dir");
            return false;
        }
    }
    if (m_port == 0)
        m_port = freeLoopbackPort();
    if (m_port == 0) {
        m_error = QStringLiteral("no free loopback port");
        return false;
    }
    if (m_options.tls && (!m_options.ca || !m_options.ca->isValid())) {
        m_error = QStringLiteral("tls requested without a valid TestCa");
        return false;
    }

    // ACL users only exist as config-file directives, so everything goes in a file.
    QByteArray conf;
    conf += "bind 127.0.0.1\n";
    conf += "save \"\"\nappendonly no\ndaemonize no\n";
    conf += "dir " + QFile::encodeName(m_dir->path()) + '\n';
    conf += "logfile " + QFile::encodeName(m_dir->filePath(QStringLiteral("redis.log"))) + '\n';
    if (m_options.tls) {
        conf += "port 0\ntls-port " + QByteArray::number(m_port) + '\n';
        conf += "tls-cert-file " + QFile::encodeName(m_options.ca->serverCert()) + '\n';
        conf += "tls-key-file " + QFile::encodeName(m_options.ca->serverKey()) + '\n';
        conf += "tls-ca-cert-file " + QFile::encodeName(m_options.ca->caCert()) + '\n';
        conf += QByteArray("tls-auth-clients ") + (m_options.tlsAuthClients ? "yes" : "no") + '\n';
        if (!m_options.replicaOfHost.isEmpty())
            conf += "tls-replication yes\n";
    } else {
        conf += "port " + QByteArray::number(m_port) + '\n';
    }
    if (!m_options.requirePass.isEmpty())
        conf += "requirepass " + m_options.requirePass.toUtf8() + '\n';
    for (const QString &user : m_options.aclUsers)
        conf += "user " + user.toUtf8() + '\n';
    if (!m_options.replicaOfHost.isEmpty())
        conf += "replicaof " + m_options.replicaOfHost.toUtf8() + ' '
            + QByteArray::number(m_options.replicaOfPort) + '\n';
    const QString confPath = m_dir->filePath(QStringLiteral("redis.conf"));
    if (!writeFile(confPath, conf)) {
        m_error = QStringLiteral("cannot write redis.conf");
        return false;
    }

    m_process = std::make_unique<QProcess>();
    killWithTestProcess(*m_process);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->start(QStringLiteral("redis-server"), QStringList {confPath} + m_options.extraArgs);
    if (!m_process->waitForStarted(5000)) {
        m_error = QStringLiteral("cannot start redis-server: %1").arg(m_process->errorString());
        return false;
    }
    return waitUntilAnswering([this] { return cli({QStringLiteral("PING")}); }, m_process.get(),
                              &m_error);
}

void RedisServer::stop()
{
    stopProcess(m_process.get());
    m_process.reset();
}

bool RedisServer::restart()
{
    stop();
    return start();
}

void RedisServer::pause()
{
    if (isRunning())
        ::kill(static_cast<pid_t>(m_process->processId()), SIGSTOP);
}

void RedisServer::resume()
{
    if (isRunning())
        ::kill(static_cast<pid_t>(m_process->processId()), SIGCONT);
}

bool RedisServer::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

QByteArray RedisServer::cli(const QStringList &args) const
{
    QStringList all {QStringLiteral("-h"), host(), QStringLiteral("-p"), QString::number(m_port)};
    if (m_options.tls) {
        all << QStringLiteral("--tls") << QStringLiteral("--cacert") << m_options.ca->caCert()
            << QStringLiteral("--cert") << m_options.ca->clientCert() << QStringLiteral("--key")
            << m_options.ca->clientKey();
    }
    if (!m_options.requirePass.isEmpty())
        all << QStringLiteral("--no-auth-warning") << QStringLiteral("-a") << m_options.requirePass;
    QProcess cli;
    cli.start(QStringLiteral("redis-cli"), all + args);
    if (!cli.waitForFinished(10000)) {
        cli.kill();
        cli.waitForFinished(1000);
        return {};
    }
    return cli.readAllStandardOutput();
}

SentinelServer::SentinelServer(const QString &masterName, const QString &masterHost, int masterPort)
    : m_masterName(masterName)
    , m_masterHost(masterHost)
    , m_masterPort(masterPort)
{ }

SentinelServer::~SentinelServer()
{
    stop();
}

bool SentinelServer::start()
{
    m_dir = std::make_unique<QTemporaryDir>();
    if (!m_dir->isValid()) {
        m_error = QStringLiteral("cannot create a temp dir");
        return false;
    }
    m_port = freeLoopbackPort();
    const QByteArray name = m_masterName.toUtf8();
    QByteArray conf;
    conf += "port " + QByteArray::number(m_port) + "\nbind 127.0.0.1\ndaemonize no\n";
    conf += "dir " + QFile::encodeName(m_dir->path()) + '\n';
    conf += "logfile " + QFile::encodeName(m_dir->filePath(QStringLiteral("sentinel.log"))) + '\n';
    conf += "sentinel monitor " + name + ' ' + m_masterHost.toUtf8() + ' '
        + QByteArray::number(m_masterPort) + " 1\n";
    conf += "sentinel down-after-milliseconds " + name + " 1000\n";
    conf += "sentinel failover-timeout " + name + " 5000\n";
    // Sentinel rewrites its config file, so it must live in a writable dir.
    const QString confPath = m_dir->filePath(QStringLiteral("sentinel.conf"));
    if (!writeFile(confPath, conf)) {
        m_error = QStringLiteral("cannot write sentinel.conf");
        return false;
    }
    m_process = std::make_unique<QProcess>();
    killWithTestProcess(*m_process);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->start(QStringLiteral("redis-sentinel"), {confPath});
    if (!m_process->waitForStarted(5000)) {
        m_error = QStringLiteral("cannot start redis-sentinel: %1").arg(m_process->errorString());
        return false;
    }
    return waitUntilAnswering([this] { return cli({QStringLiteral("PING")}); }, m_process.get(),
                              &m_error);
}

QByteArray SentinelServer::cli(const QStringList &args) const
{
    QProcess cli;
    cli.start(QStringLiteral("redis-cli"),
              QStringList {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                           QString::number(m_port)}
                  + args);
    if (!cli.waitForFinished(10000)) {
        cli.kill();
        cli.waitForFinished(1000);
        return {};
    }
    return cli.readAllStandardOutput();
}

void SentinelServer::stop()
{
    stopProcess(m_process.get());
    m_process.reset();
}

} // namespace switchboard::test
