#include "core/services/ConnectionTester.h"

#include "core/pg/PgConfig.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/services/RedisBackend.h"

#include <QElapsedTimer>
#include <QPointer>

#include <pqxx/pqxx>

namespace switchboard {

ConnectionTester::ConnectionTester(QObject *context, Done done)
    : QObject(context)
    , m_done(std::move(done))
{ }

void ConnectionTester::run(const ConnectionProfile &profile, const QString &redisPassword,
                           const QString &postgresPassword, QObject *context, Done done,
                           int timeoutMs)
{
    // Parented to the context: destroying the caller destroys the test and its callback.
    auto *tester = new ConnectionTester(context, std::move(done));
    int count = 0;
    const bool redis = !profile.redisUri.isEmpty() || !profile.sentinels.isEmpty();
    count += redis ? 1 : 0;
    count += profile.pgDsn.isEmpty() ? 0 : 1;
    count += profile.pgReplicaDsn.isEmpty() ? 0 : 1;
    tester->expect(count);
    if (count == 0) {
        tester->add(
            ConnectionTestResult {QStringLiteral("Profile"),
                                  false,
                                  {},
                                  -1,
                                  QStringLiteral("nothing to test: no Redis and no Postgres")});
        return;
    }
    if (redis)
        tester->testRedis(profile, redisPassword, timeoutMs);
    if (!profile.pgDsn.isEmpty())
        tester->testPostgres(QStringLiteral("Postgres"), profile.pgDsn, postgresPassword,
                             timeoutMs);
    if (!profile.pgReplicaDsn.isEmpty())
        tester->testPostgres(QStringLiteral("Postgres replica"), profile.pgReplicaDsn,
                             postgresPassword, timeoutMs);
}

void ConnectionTester::add(const ConnectionTestResult &result)
{
    m_results.append(result);
    if (m_results.size() >= m_expected) {
        Done done = std::move(m_done);
        const ConnectionTestResults results = m_results;
        deleteLater();
        if (done)
            done(results);
    }
}

void ConnectionTester::testRedis(const ConnectionProfile &profile, const QString &password,
                                 int timeoutMs)
{
    QString error;
    auto options = RedisBackend::optionsFor(profile, password, &error);
    if (!options) {
        add(ConnectionTestResult {QStringLiteral("Redis"), false, {}, -1, error});
        return;
    }
    options->autoReconnect = false;
    options->failedRetryMs = 0;
    options->connectTimeoutMs = timeoutMs;
    options->commandTimeoutMs = timeoutMs;
    auto *client = new RedisClient(*options, this);
    auto timer = std::make_shared<QElapsedTimer>();
    auto finished = std::make_shared<bool>(false);
    const auto finish = [this, client, finished](const ConnectionTestResult &r) {
        if (*finished)
            return;
        *finished = true;
        client->deleteLater();
        add(r);
    };
    connect(client, &RedisClient::stateChanged, this,
            [client, finish](RedisConnection::State state, const QString &) {
                if (state == RedisConnection::State::Failed
                    || state == RedisConnection::State::Reconnecting
                    || state == RedisConnection::State::Disconnected)
                    finish(ConnectionTestResult {
                        QStringLiteral("Redis"), false, {}, -1, client->connection()->lastError()});
            });
    client->open();
    timer->start();
    client->command(
        {QByteArrayLiteral("PING")}, this, [this, client, timer, finish](const RedisReply &pong) {
            if (pong.isError()) {
                finish(ConnectionTestResult {
                    QStringLiteral("Redis"), false, {}, -1, pong.errorMessage()});
                return;
            }
            // The first PING includes the handshake; a second one is the real round trip.
            timer->restart();
            client->command(
                {QByteArrayLiteral("PING")}, this, [client, timer, finish](const RedisReply &) {
                    const double rtt = double(timer->nsecsElapsed()) / 1e6;
                    client->command(
                        {QByteArrayLiteral("INFO"), QByteArrayLiteral("server")}, client,
                        [client, rtt, finish](const RedisReply &info) {
                            QString version = QStringLiteral("Redis");
                            QString role;
                            for (const QByteArray &line : info.data().split('\n')) {
                                if (line.startsWith("redis_version:"))
                                    version = QStringLiteral("Redis ")
                                        + QString::fromLatin1(line.mid(14).trimmed());
                                if (line.startsWith("redis_mode:"))
                                    role = QString::fromLatin1(line.mid(11).trimmed());
                            }
                            const RedisEndpoint e = client->connection()->currentEndpoint();
                            finish(ConnectionTestResult {
                                QStringLiteral("Redis"), true, version, rtt,
                                QStringLiteral("%1:%2%3").arg(e.host).arg(e.port).arg(
                                    role.isEmpty() ? QString() : QStringLiteral(", ") + role)});
                        });
                });
        });
}

void ConnectionTester::testPostgres(const QString &backend, const QString &dsn,
                                    const QString &password, int timeoutMs)
{
    const QString full = ConnectionProfile::pgDsnWithPassword(dsn, password);
    PgConfig config(full);
    config.connectTimeoutSec = std::max(1, timeoutMs / 1000);
    config.statementTimeoutMs = timeoutMs;
    auto *pool = new PgPool(config, 1, this);
    const QString where = config.describe(PgTarget::Primary);
    PgJobSpec spec;
    spec.label = QStringLiteral("connection test");
    pool->submit(
        spec, this,
        [](pqxx::transaction_base &tx) {
            QElapsedTimer t;
            t.start();
            const pqxx::row row = tx.exec1("SELECT current_setting('server_version'), "
                                           "pg_is_in_recovery(), current_user");
            const double rtt = double(t.nsecsElapsed()) / 1e6;
            return std::make_tuple(QString::fromStdString(row[0].as<std::string>()),
                                   row[1].as<bool>(),
                                   QString::fromStdString(row[2].as<std::string>()), rtt);
        },
        [this, pool, backend,
         where](const PgResult<std::tuple<QString, bool, QString, double>> &r) {
            pool->deleteLater();
            if (!r.ok()) {
                add(ConnectionTestResult {backend, false, {}, -1, r.status.message});
                return;
            }
            const auto &[version, replica, user, rtt] = r.value;
            add(ConnectionTestResult {
                backend, true, QStringLiteral("PostgreSQL ") + version, rtt,
                QStringLiteral("%1 as %2%3")
                    .arg(where, user,
                         replica ? QStringLiteral(", read-only replica") : QString())});
        });
}

} // namespace switchboard
