#pragma once
// A real PM2 daemon (temp PM2_HOME) running the bridge's sample agents — a Node agent in
// cluster mode with 2 instances, a Node agent in fork mode, a Python agent — plus the
// Switchboard bridge publishing them to a test Redis, started the way scripts/lib/fleet.sh
// does. Needs `npm ci` in bridge/ (scripts/test.sh does it before ctest). The destructor
// stops the bridge and kills the daemon with its apps.
#include <QJsonArray>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace switchboard::test {

class Pm2Fleet
{
public:
    Pm2Fleet(QString redisUri, QString host, QString keyNamespace = QStringLiteral("agentops:"));
    ~Pm2Fleet();
    Pm2Fleet(const Pm2Fleet &) = delete;
    Pm2Fleet &operator=(const Pm2Fleet &) = delete;

    // The bridge's Postgres DSN (SWITCHBOARD_BRIDGE_PG_DSN, in its environment, never in
    // argv): a login in agentops_bridge, which it needs to authorize commands. Before start().
    void setPgDsn(const QString &dsn) { m_pgDsn = dsn; }
    // Starts the daemon and the apps, then the bridge (heartbeat 500 ms, grace 1500 ms).
    bool start();
    void stopBridge();
    void stop();
    QString error() const { return m_error; }
    QString bridgeLog() const;

    // `pm2 jlist`, and one instance's PM2 restart counter (-1 when not found).
    QJsonArray list() const;
    int restarts(const QString &app, int pmId) const;
    int pmIdOf(const QString &app) const; // the first instance of app, -1 when none
    QByteArray pm2(const QStringList &args, int timeoutMs = 30000) const;

    static QString sourceDir(); // SWITCHBOARD_SOURCE_DIR or the build's idea of it
    static bool available(QString *why); // node and bridge/node_modules present

private:
    QString m_redisUri, m_host, m_ns, m_pgDsn;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_bridge;
    bool m_daemon = false;
    QString m_error;
};

} // namespace switchboard::test
