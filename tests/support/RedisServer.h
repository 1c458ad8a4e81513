#pragma once
// A real redis-server for one test: random loopback port, temp dir, stopped in the
// destructor. Optional TLS (--tls-port with a TestCa), ACL users, replica-of, and a
// Sentinel process (see SentinelServer).
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace switchboard::test {

class TestCa;

struct RedisOptions
{
    bool tls = false; // plain port is disabled when tls is on
    const TestCa *ca = nullptr; // required with tls
    bool tlsAuthClients = false; // require a client certificate
    QString requirePass; // legacy AUTH password ("default" user)
    QStringList aclUsers; // lines for ACL SETUSER, e.g. "op on >pw ~* +@all"
    QString replicaOfHost; // start as a replica of host:port
    int replicaOfPort = 0;
    QStringList extraArgs;
};

class RedisServer
{
public:
    explicit RedisServer(const RedisOptions &options = {});
    ~RedisServer();
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    bool start(); // waits until it answers PING (max 10 s)
    void stop(); // SIGTERM, wait, SIGKILL if needed
    bool restart(); // same port, same data dir
    void pause(); // SIGSTOP
    void resume(); // SIGCONT
    bool isRunning() const;
    qint64 pid() const { return m_process ? m_process->processId() : 0; }

    QString host() const { return QStringLiteral("127.0.0.1"); }
    int port() const { return m_port; }
    QString uri() const; // redis://127.0.0.1:port or rediss://localhost:port
    QString error() const { return m_error; }

    // Runs redis-cli against this server, returns its stdout (for test set-up and checks).
    QByteArray cli(const QStringList &args) const;

private:
    RedisOptions m_options;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    int m_port = 0;
    QString m_error;
};

// A redis-sentinel watching one master under a given name.
class SentinelServer
{
public:
    SentinelServer(const QString &masterName, const QString &masterHost, int masterPort);
    ~SentinelServer();
    bool start();
    void stop();
    int port() const { return m_port; }
    QString error() const { return m_error; }
    // Runs redis-cli against the sentinel (e.g. SENTINEL replicas NAME), returns stdout.
    QByteArray cli(const QStringList &args) const;

private:
    QString m_masterName, m_masterHost;
    int m_masterPort;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    int m_port = 0;
    QString m_error;
};

} // namespace switchboard::test
