#pragma once
// Real Redis + Postgres for the simulator tests and benchmarks, and byte-exact dumps of
// what the simulator wrote (keys sorted, binary-safe) so two runs can be compared.
#include "support/PostgresServer.h"
#include "support/RedisServer.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>

namespace switchboard::test {

class SimServers
{
public:
    SimServers();
    ~SimServers();
    // Starts Redis and Postgres; false + error() on failure.
    bool start();
    // A fresh database migrated to the agentops schema (resources/sql via Migrator).
    bool createDatabase(const QString &name);
    bool flushRedis();
    QString error() const { return m_error; }
    RedisServer &redis() { return *m_redis; }
    PostgresServer &pg() { return *m_pg; }

private:
    std::unique_ptr<RedisServer> m_redis;
    std::unique_ptr<PostgresServer> m_pg;
    QString m_error;
};

// Everything under a namespace (SCAN, never KEYS), sorted, type + content.
QByteArray dumpRedis(const QString &uri, const QByteArray &ns, QString *error);
// Every agentops table the simulator writes, in key order, as COPY text.
QByteArray dumpPostgres(PostgresServer &pg, const QString &db, QString *error);

// Small synchronous helpers over hiredis for reading back.
QList<QByteArray> redisCommand(const QString &uri, const QList<QByteArray> &argv, QString *error);

} // namespace switchboard::test
