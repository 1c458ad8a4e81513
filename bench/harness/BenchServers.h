#pragma once
// Throwaway Redis + Postgres for a benchmark, from the test fixtures (testsupport), with a
// database migrated to the agentops schema.
#include "support/PostgresServer.h"
#include "support/RedisServer.h"

#include <QString>

#include <memory>

namespace switchboard::bench {

class BenchServers
{
public:
    bool start(QString *error);
    // A fresh database migrated to the agentops schema.
    bool createDatabase(const QString &name, QString *error);
    test::RedisServer &redis() { return *m_redis; }
    test::PostgresServer &pg() { return *m_pg; }

private:
    std::unique_ptr<test::RedisServer> m_redis;
    std::unique_ptr<test::PostgresServer> m_pg;
};

// Runs a program, waits (max timeoutMs), returns stdout; ok=false on failure.
QByteArray runProgram(const QString &program, const QStringList &args, bool *ok,
                      int timeoutMs = 300000);

} // namespace switchboard::bench
