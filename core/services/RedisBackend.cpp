#include "core/services/RedisBackend.h"

#include "core/redis/RedisClient.h"
#include "core/redis/RedisUri.h"
#include "core/redis/ServerClock.h"

namespace switchboard {

std::optional<RedisConnectionOptions>
RedisBackend::optionsFor(const ConnectionProfile &profile, const QString &password, QString *error)
{
    RedisConnectionOptions options;
    if (!profile.redisUri.isEmpty()) {
        QString uriError;
        const auto uri = RedisUri::parse(profile.redisUri, &uriError);
        if (!uri) {
            if (error)
                *error = uriError;
            return std::nullopt;
        }
        options = uri->toOptions();
    } else if (!profile.sentinels.isEmpty()) {
        for (const QString &s : profile.sentinels) {
            const int colon = s.lastIndexOf(QLatin1Char(':'));
            bool ok = false;
            const int port = s.mid(colon + 1).toInt(&ok);
            if (colon <= 0 || !ok) {
                if (error)
                    *error = QStringLiteral("Sentinel address '%1' is not host:port").arg(s);
                return std::nullopt;
            }
            options.sentinel.sentinels.append(RedisEndpoint {s.left(colon), port});
        }
        options.sentinel.masterName = profile.sentinelMaster;
    } else {
        if (error)
            *error = QStringLiteral("no Redis URI or Sentinel set in the profile");
        return std::nullopt;
    }
    if (!password.isEmpty())
        options.password = password;
    options.tlsOptions.caFile = profile.tlsCaFile;
    options.tlsOptions.clientCertFile = profile.tlsClientCert;
    options.tlsOptions.clientKeyFile = profile.tlsClientKey;
    options.tlsOptions.verifyPeer = profile.tlsVerifyPeer;
    options.tlsOptions.verifyHostName = profile.tlsVerifyPeer;
    return options;
}

RedisBackend::RedisBackend(const RedisConnectionOptions &options, QObject *parent)
    : QObject(parent)
    , m_client(new RedisClient(options, this))
    , m_clock(new ServerClock(m_client, this))
{
    m_status.backend = QStringLiteral("Redis");
    m_status.summary = QStringLiteral("not connected");
    connect(m_client, &RedisClient::stateChanged, this, &RedisBackend::onStateChanged);
    connect(m_client, &RedisClient::ready, this, &RedisBackend::probe);
    m_countdown.setInterval(1000);
    connect(&m_countdown, &QTimer::timeout, this, &RedisBackend::onStateChanged);
}

RedisBackend::~RedisBackend() = default;

void RedisBackend::start()
{
    publish(BackendStatus::State::Connecting, QStringLiteral("connecting"), QString());
    m_clock->start();
    m_client->open();
}

void RedisBackend::publish(BackendStatus::State state, const QString &summary,
                           const QString &detail)
{
    m_status.state = state;
    m_status.summary = summary;
    m_status.detail = detail;
    Q_EMIT statusChanged(m_status);
}

void RedisBackend::onStateChanged()
{
    using S = RedisConnection::State;
    const RedisConnection *c = m_client->connection();
    const QString endpoint
        = QStringLiteral("%1:%2").arg(c->currentEndpoint().host).arg(c->currentEndpoint().port);
    const QString lastError = c->lastError();
    switch (c->state()) {
    case S::Disconnected:
        m_countdown.stop();
        publish(BackendStatus::State::NotConfigured, QStringLiteral("disconnected"), endpoint);
        break;
    case S::Connecting:
        publish(BackendStatus::State::Connecting, QStringLiteral("connecting"), endpoint);
        break;
    case S::Ready:
        m_countdown.stop();
        // probe() fills in the version and round trip once the server answers.
        if (m_status.state != BackendStatus::State::Ready)
            publish(BackendStatus::State::Ready, QStringLiteral("ready"), endpoint);
        break;
    case S::Reconnecting:
        if (!m_countdown.isActive())
            m_countdown.start();
        publish(BackendStatus::State::Reconnecting, c->stateText().section(QLatin1Char(':'), 0, 0),
                endpoint + QStringLiteral(": ") + lastError);
        break;
    case S::Failed:
        m_countdown.stop();
        publish(BackendStatus::State::Failed, QStringLiteral("failed: %1").arg(lastError),
                endpoint);
        break;
    }
}

void RedisBackend::probe()
{
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    m_client->command({QByteArrayLiteral("PING")}, this, [this, timer](const RedisReply &pong) {
        if (pong.isError())
            return; // the connection state says what went wrong
        m_roundTripMs = double(timer->nsecsElapsed()) / 1e6;
        m_client->command(
            {QByteArrayLiteral("INFO"), QByteArrayLiteral("server")}, this,
            [this](const RedisReply &info) {
                if (info.isString()) {
                    for (const QByteArray &line : info.data().split('\n'))
                        if (line.startsWith("redis_version:"))
                            m_serverVersion = QString::fromLatin1(line.mid(14).trimmed());
                }
                const RedisEndpoint e = m_client->connection()->currentEndpoint();
                const QString detail
                    = QStringLiteral("%1:%2\nRedis %3, round trip %4 ms")
                          .arg(e.host)
                          .arg(e.port)
                          .arg(m_serverVersion.isEmpty() ? QStringLiteral("?") : m_serverVersion)
                          .arg(m_roundTripMs, 0, 'f', 1);
                publish(BackendStatus::State::Ready, QStringLiteral("ready"), detail);
            });
    });
}

} // namespace switchboard
