#pragma once
// Writes simulator records to Redis with synchronous hiredis, one pipeline per batch
// (redisAppendCommandArgv + redisGetReply). The simulator is a command-line tool, so a
// blocking client is right here; the console itself never uses this.
#include "sim/SimRecord.h"

#include <QString>

#include <cstdint>
#include <vector>

struct redisContext;

namespace switchboard::sim {

class RedisSink
{
public:
    RedisSink() = default;
    ~RedisSink();
    RedisSink(const RedisSink &) = delete;
    RedisSink &operator=(const RedisSink &) = delete;

    // redis://[user:password@]host:port[/db]
    bool connect(const QString &uri, QString *error);
    // Writes every Redis record (Postgres rows are skipped). Returns false on a
    // connection failure; per-command errors are counted and the first few kept.
    bool write(const std::vector<SimRecord> &records);

    std::int64_t commands() const { return m_commands; }
    std::int64_t streamEntries() const { return m_streamEntries; }
    std::int64_t errors() const { return m_errors; }
    const std::vector<std::string> &errorSamples() const { return m_samples; }

private:
    void append(const std::vector<std::string> &argv);

    redisContext *m_ctx = nullptr;
    std::int64_t m_pending = 0, m_commands = 0, m_streamEntries = 0, m_errors = 0;
    std::vector<std::string> m_samples;
};

} // namespace switchboard::sim
