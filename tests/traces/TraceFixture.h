#pragma once
// A real Postgres filled by the simulator (incident scenario, pg only) plus hand-made
// spans for the edge cases: a broken-JSON payload, a 20 MB payload, an orphan, personal
// data for redaction. Shared by the trace tests.
#include "support/PostgresServer.h"

#include <QString>

namespace switchboard::test {

struct TraceFixture
{
    PostgresServer pg;
    QString db = QStringLiteral("traces");
    QString error;
    // The hand-made session and its spans.
    static constexpr const char *kEdgeSession = "s-edge-0000-0000";
    static constexpr const char *kBrokenSpan = "edge-broken";
    static constexpr const char *kHugeSpan = "edge-huge";
    static constexpr const char *kOrphanSpan = "edge-orphan";
    static constexpr int kHugeChars = 20000000; // 20 MB, 200 000 lines of 100
    static constexpr const char *kEmail = "jane.doe@example.com";

    bool start(); // server, database, simulator run, edge session
    QString dsn() const { return pg.dsn(db); }
    QByteArray scalar(const QString &sql) const; // psql -At, trimmed
};

} // namespace switchboard::test
