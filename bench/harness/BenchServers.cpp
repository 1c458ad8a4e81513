#include "harness/BenchServers.h"

#include <QProcess>

namespace switchboard::bench {

bool BenchServers::start(QString *error)
{
    m_redis = std::make_unique<test::RedisServer>();
    m_pg = std::make_unique<test::PostgresServer>();
    if (!m_redis->start()) {
        *error = QStringLiteral("redis: ") + m_redis->error();
        return false;
    }
    if (!m_pg->start()) {
        *error = QStringLiteral("postgres: ") + m_pg->error();
        return false;
    }
    return true;
}

bool BenchServers::createDatabase(const QString &name, QString *error)
{
    if (!m_pg->createDatabase(name, true)) {
        *error = m_pg->error();
        return false;
    }
    bool ok = false;
    if (m_pg->psql(name, QStringLiteral("SELECT to_regclass('agentops.spans') IS NOT NULL"), &ok)
            .trimmed()
        != "t") {
        *error = QStringLiteral("the migration did not create agentops.spans");
        return false;
    }
    return true;
}

QByteArray runProgram(const QString &program, const QStringList &args, bool *ok, int timeoutMs)
{
    QProcess p;
    p.start(program, args);
    const bool done = p.waitForFinished(timeoutMs);
    *ok = done && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (!done)
        p.kill();
    return p.readAllStandardOutput();
}

} // namespace switchboard::bench
