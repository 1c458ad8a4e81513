#pragma once
// One write the simulator makes: a Redis operation or a Postgres row. Generators emit
// these; sinks write them. Field values are bytes (std::string) because bad-data records
// carry binary and multi-megabyte values that must reach the servers unchanged.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace switchboard::sim {

using FieldList = std::vector<std::pair<std::string, std::optional<std::string>>>;

struct SimRecord
{
    enum class Op { HashSet, StreamAdd, StringSet, ZAdd, ZRemBelow, Publish, PgRow };

    Op op = Op::HashSet;
    std::string key; // Redis key, channel, or Postgres table (agentops.spans)
    std::string id; // stream entry id (virtual ms-seq) or zset member
    double score = 0; // zset score (ZRemBelow: remove members scored below it)
    std::int64_t ttlMs = 0; // PEXPIRE after the write when > 0
    std::int64_t maxLen = 0; // XADD MAXLEN ~ when > 0
    FieldList fields; // hash fields / stream fields / row columns in order
    std::string payload; // StringSet value, Publish message
    // What the record is in contract terms ("session", "event", "span", …) and, for
    // records made malformed on purpose, why a parser must reject it.
    std::string type;
    std::string badReason;

    bool isBad() const { return !badReason.empty(); }
};

// A record the sim made malformed on purpose: where it is and why it must be rejected.
struct BadRecord
{
    std::string type; // "session", "event", "proc", "ctx", "proc-event"
    std::string key; // Redis key (streams: the stream key)
    std::string id; // stream entry id, or empty
    std::string reason;
};

} // namespace switchboard::sim
