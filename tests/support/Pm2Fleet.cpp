#include "support/Pm2Fleet.h"

#include "support/OrphanGuard.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QThread>

namespace switchboard::test {

QString Pm2Fleet::sourceDir()
{
    const QString env = qEnvironmentVariable("SWITCHBOARD_SOURCE_DIR");
    return env.isEmpty() ? QDir::currentPath() : env;
}

bool Pm2Fleet::available(QString *why)
{
    if (QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty()) {
        *why = QStringLiteral("node is not installed (scripts/install-deps.sh)");
        return false;
    }
    if (!QFile::exists(sourceDir() + QStringLiteral("/bridge/node_modules/pm2/bin/pm2"))) {
        *why = QStringLiteral("bridge/node_modules is missing: run `npm ci` in bridge/ "
                              "(scripts/test.sh does)");
        return false;
    }
    return true;
}

Pm2Fleet::Pm2Fleet(QString redisUri, QString host, QString keyNamespace)
    : m_redisUri(std::move(redisUri))
    , m_host(std::move(host))
    , m_ns(std::move(keyNamespace))
{ }

Pm2Fleet::~Pm2Fleet()
{
    stop();
}

QByteArray Pm2Fleet::pm2(const QStringList &args, int timeoutMs) const
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PM2_HOME"), m_dir->path() + QStringLiteral("/pm2"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral("node"),
            QStringList {sourceDir() + QStringLiteral("/bridge/node_modules/pm2/bin/pm2")} + args);
    if (!p.waitForFinished(timeoutMs))
        p.kill();
    p.waitForFinished(2000);
    return p.readAllStandardOutput();
}

bool Pm2Fleet::start()
{
    QString why;
    if (!available(&why)) {
        m_error = why;
        return false;
    }
    m_dir = std::make_unique<QTemporaryDir>();
    const QString fixtures = sourceDir() + QStringLiteral("/bridge/test/fixtures");
    const QString eco = m_dir->path() + QStringLiteral("/ecosystem.config.js");
    QFile f(eco);
    if (!f.open(QIODevice::WriteOnly)) {
        m_error = QStringLiteral("cannot write %1").arg(eco);
        return false;
    }
    f.write(
        QStringLiteral("module.exports = { apps: [\n"
                       "  { name: 'sip-gateway', script: '%1/agent.js', exec_mode: 'cluster', "
                       "instances: 2, env: { SWITCHBOARD_LAYER: 'voice' } },\n"
                       "  { name: 'reasoner', script: '%1/agent.js', exec_mode: 'fork', "
                       "env: { SWITCHBOARD_LAYER: 'llm' } },\n"
                       "  { name: 'tool-runner', script: '%1/agent.py', interpreter: 'python3', "
                       "env: { SWITCHBOARD_LAYER: 'tool' } },\n"
                       "]};\n")
            .arg(fixtures)
            .toUtf8());
    f.close();
    m_daemon = true;
    // The PM2 daemon detaches: kill it (and its agents) if this test process dies
    // without running the destructor. Only while its pid file exists: `pm2 kill` without
    // a daemon would spawn one.
    const QString home = m_dir->path() + QStringLiteral("/pm2");
    cleanupAfterTestProcess(
        QStringLiteral("if [ -f %1/pm2.pid ]; then PM2_HOME=%1 node %2 kill; fi; rm -rf %3")
            .arg(shellQuote(home),
                 shellQuote(sourceDir() + QStringLiteral("/bridge/node_modules/pm2/bin/pm2")),
                 shellQuote(m_dir->path())));
    pm2({QStringLiteral("start"), eco}, 60000);
    if (list().size() < 4) {
        m_error = QStringLiteral("pm2 did not start the 4 sample agents");
        return false;
    }
    m_bridge = std::make_unique<QProcess>();
    killWithTestProcess(*m_bridge);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PM2_HOME"), m_dir->path() + QStringLiteral("/pm2"));
    env.insert(QStringLiteral("SWITCHBOARD_BRIDGE_REDIS_URI"), m_redisUri);
    env.insert(QStringLiteral("SWITCHBOARD_BRIDGE_HOST"), m_host);
    env.insert(QStringLiteral("SWITCHBOARD_BRIDGE_NAMESPACE"), m_ns);
    env.insert(QStringLiteral("SWITCHBOARD_BRIDGE_HEARTBEAT_MS"), QStringLiteral("500"));
    env.insert(QStringLiteral("SWITCHBOARD_BRIDGE_GRACE_MS"), QStringLiteral("1500"));
    if (!m_pgDsn.isEmpty())
        env.insert(QStringLiteral("SWITCHBOARD_BRIDGE_PG_DSN"), m_pgDsn);
    m_bridge->setProcessEnvironment(env);
    m_bridge->setProcessChannelMode(QProcess::MergedChannels);
    m_bridge->setStandardOutputFile(m_dir->path() + QStringLiteral("/bridge.log"));
    m_bridge->start(QStringLiteral("node"), {sourceDir() + QStringLiteral("/bridge/src/main.js")});
    if (!m_bridge->waitForStarted(10000)) {
        m_error = QStringLiteral("the bridge did not start: %1").arg(m_bridge->errorString());
        return false;
    }
    return true;
}

QString Pm2Fleet::bridgeLog() const
{
    if (!m_dir)
        return {};
    QFile f(m_dir->path() + QStringLiteral("/bridge.log"));
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

void Pm2Fleet::stopBridge()
{
    if (m_bridge && m_bridge->state() != QProcess::NotRunning) {
        m_bridge->terminate();
        if (!m_bridge->waitForFinished(5000)) {
            m_bridge->kill();
            m_bridge->waitForFinished(2000);
        }
    }
}

void Pm2Fleet::stop()
{
    stopBridge();
    if (m_daemon) {
        pm2({QStringLiteral("kill")}, 20000);
        m_daemon = false;
    }
}

QJsonArray Pm2Fleet::list() const
{
    const QByteArray out = pm2({QStringLiteral("jlist")});
    // PM2 may print a banner before the JSON on the first call.
    const int at = out.indexOf('[');
    return at < 0 ? QJsonArray() : QJsonDocument::fromJson(out.mid(at)).array();
}

int Pm2Fleet::restarts(const QString &app, int pmId) const
{
    const QJsonArray procs = list();
    for (const QJsonValue &v : procs) {
        const QJsonObject o = v.toObject();
        if (o.value(QStringLiteral("name")).toString() == app
            && o.value(QStringLiteral("pm_id")).toInt() == pmId)
            return o.value(QStringLiteral("pm2_env"))
                .toObject()
                .value(QStringLiteral("restart_time"))
                .toInt();
    }
    return -1;
}

int Pm2Fleet::pmIdOf(const QString &app) const
{
    const QJsonArray procs = list();
    for (const QJsonValue &v : procs) {
        const QJsonObject o = v.toObject();
        if (o.value(QStringLiteral("name")).toString() == app)
            return o.value(QStringLiteral("pm_id")).toInt();
    }
    return -1;
}

} // namespace switchboard::test
