#pragma once
// "Test connection" for a profile: one attempt per backend, no reconnect loops, each
// reporting its outcome, server version and round trip. Asynchronous: Redis on the event
// loop, Postgres through a short-lived pool on a worker thread.
#include "core/services/ConnectionProfile.h"
#include "core/types/ConnectionTestResult.h"

#include <QObject>

#include <functional>

namespace switchboard {

class ConnectionTester : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(ConnectionTestResults)>;

    // Runs every test the profile allows; done runs once, on this thread, when all ended
    // (each within its own timeout), unless context is destroyed first.
    static void run(const ConnectionProfile &profile, const QString &redisPassword,
                    const QString &postgresPassword, QObject *context, Done done,
                    int timeoutMs = 8000);

private:
    explicit ConnectionTester(QObject *context, Done done);
    void add(const ConnectionTestResult &result);
    void expect(int count) { m_expected = count; }
    void testRedis(const ConnectionProfile &profile, const QString &password, int timeoutMs);
    void testPostgres(const QString &backend, const QString &dsn, const QString &password,
                      int timeoutMs);

    Done m_done;
    ConnectionTestResults m_results;
    int m_expected = 0;
};

} // namespace switchboard
