#include "sim/PgSink.h"

#include <pqxx/pqxx>

namespace switchboard::sim {

PgSink::PgSink() = default;
PgSink::~PgSink() = default;

bool PgSink::connect(const QString &dsn, QString *error)
{
    try {
        m_conn = std::make_unique<pqxx::connection>(dsn.toStdString());
        pqxx::nontransaction tx(*m_conn);
        tx.exec("SET application_name = 'switchboard-sim'");
        tx.exec("SET statement_timeout = '120s'");
        return true;
    } catch (const std::exception &e) {
        *error = QStringLiteral("cannot connect to Postgres: ")
            + QString::fromUtf8(e.what()).trimmed();
        return false;
    }
}

void PgSink::add(const std::vector<SimRecord> &records)
{
    for (const SimRecord &r : records) {
        if (r.op != SimRecord::Op::PgRow)
            continue;
        std::string columns = "(";
        for (const auto &kv : r.fields) {
            if (columns.size() > 1)
                columns += ", ";
            columns += kv.first;
        }
        columns += ')';
        Table *t = nullptr;
        for (Table &x : m_tables) {
            if (x.name == r.key && x.columns == columns) {
                t = &x;
                break;
            }
        }
        if (!t) {
            m_tables.push_back({r.key, columns, {}});
            t = &m_tables.back();
        }
        std::string tuple = "(";
        for (const auto &kv : r.fields) {
            if (tuple.size() > 1)
                tuple += ", ";
            tuple += kv.second ? m_conn->quote(*kv.second) : std::string("NULL");
        }
        tuple += ')';
        m_bytes += tuple.size();
        t->tuples.push_back(std::move(tuple));
        ++m_rows;
    }
}

bool PgSink::flush(QString *error)
{
    if (m_rows == 0)
        return true;
    try {
        pqxx::work tx(*m_conn);
        bool deployments = false;
        for (Table &t : m_tables) {
            std::size_t i = 0;
            while (i < t.tuples.size()) {
                // Statements of a few MB: large enough to amortise round trips.
                std::string sql = "INSERT INTO " + t.name + ' ' + t.columns + " VALUES ";
                const std::size_t first = i;
                while (i < t.tuples.size()
                       && (i == first || sql.size() + t.tuples[i].size() < 4u << 20)) {
                    if (i > first)
                        sql += ", ";
                    sql += t.tuples[i];
                    ++i;
                }
                tx.exec(sql);
            }
            deployments = deployments || t.name == "agentops.prompt_deployments";
            m_written += static_cast<std::int64_t>(t.tuples.size());
        }
        if (deployments)
            tx.exec("SELECT setval(pg_get_serial_sequence('agentops.prompt_deployments', 'id'), "
                    "(SELECT max(id) FROM agentops.prompt_deployments))");
        tx.commit();
    } catch (const std::exception &e) {
        *error = QStringLiteral("Postgres write failed: ")
            + QString::fromUtf8(e.what()).left(2000).trimmed();
        m_tables.clear();
        m_rows = m_bytes = 0;
        return false;
    }
    m_tables.clear();
    m_rows = m_bytes = 0;
    return true;
}

std::int64_t PgSink::nextDeploymentId(QString *error)
{
    try {
        pqxx::nontransaction tx(*m_conn);
        return tx.exec1("SELECT coalesce(max(id), 0) + 1 FROM agentops.prompt_deployments")[0]
            .as<std::int64_t>();
    } catch (const std::exception &e) {
        *error = QString::fromUtf8(e.what()).trimmed();
        return -1;
    }
}

bool PgSink::hasPromptHistory(QString *error)
{
    try {
        pqxx::nontransaction tx(*m_conn);
        return tx.exec1("SELECT count(*) FROM agentops.prompt_versions")[0].as<std::int64_t>() > 0;
    } catch (const std::exception &e) {
        *error = QString::fromUtf8(e.what()).trimmed();
        return false;
    }
}

} // namespace switchboard::sim
