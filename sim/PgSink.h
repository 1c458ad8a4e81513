#pragma once
// Writes simulator rows to Postgres with libpqxx: rows are buffered per table and sent
// as multi-row INSERTs in one transaction per flush. (libpqxx 6.4's stream_to mangles
// non-ASCII bytes in its COPY escaper, so it is not used for UTF-8 texts.)
#include "sim/SimRecord.h"

#include <QString>

#include <memory>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace switchboard::sim {

class PgSink
{
public:
    PgSink();
    ~PgSink();
    PgSink(const PgSink &) = delete;
    PgSink &operator=(const PgSink &) = delete;

    bool connect(const QString &dsn, QString *error);
    void add(const std::vector<SimRecord> &records); // only PgRow records are kept
    bool flush(QString *error); // writes what is buffered
    std::size_t bufferedRows() const { return m_rows; }
    std::size_t bufferedBytes() const { return m_bytes; }

    // The id the next prompt deployment row will take (rows carry explicit ids so the
    // prompt:{agent} hash can name them without a round trip).
    std::int64_t nextDeploymentId(QString *error);
    bool hasPromptHistory(QString *error);
    std::int64_t rowsWritten() const { return m_written; }

private:
    struct Table
    {
        std::string name;
        std::string columns; // "(a, b, c)"
        std::vector<std::string> tuples; // "('x', NULL, '3')"
    };

    std::unique_ptr<pqxx::connection> m_conn;
    std::vector<Table> m_tables;
    std::size_t m_rows = 0, m_bytes = 0;
    std::int64_t m_written = 0;
};

} // namespace switchboard::sim
