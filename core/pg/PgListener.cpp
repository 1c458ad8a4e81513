#include "core/pg/PgListener.h"

#include "core/pg/PgErrors.h"
#include "core/pg/ThreadGraveyard.h"

#include <QThread>

#include <atomic>
#include <mutex>
#include <pqxx/pqxx>
#include <vector>

namespace switchboard {

struct PgListener::Shared
{
    std::atomic<bool> stop {false};
    std::atomic<int> backendPid {0};
    std::mutex mutex; // guards owner
    PgListener *owner = nullptr; // cleared by stop(): a stray thread then emits nothing

    void report(const PgConnectionState &state)
    {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!owner)
            return;
        PgListener *listener = owner;
        QMetaObject::invokeMethod(
            listener, [listener, state] { listener->setState(state); }, Qt::QueuedConnection);
    }

    void notify(const QString &channel, const QString &payload)
    {
        const std::lock_guard<std::mutex> lock(mutex);
        // Emitted from the listener thread: receivers elsewhere get it queued.
        if (owner)
            emit owner->notification(channel, payload);
    }
};

namespace {

class Receiver : public pqxx::notification_receiver
{
public:
    Receiver(pqxx::connection_base &c, const QString &channel,
             std::shared_ptr<PgListener::Shared> shared)
        : pqxx::notification_receiver(c, channel.toStdString())
        , m_channel(channel)
        , m_shared(std::move(shared))
    { }

    void operator()(const std::string &payload, int) override
    {
        m_shared->notify(m_channel, QString::fromStdString(payload));
    }

private:
    QString m_channel;
    std::shared_ptr<PgListener::Shared> m_shared;
};

} // namespace

PgListener::PgListener(PgConfig config, QStringList channels, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_channels(std::move(channels))
{
    qRegisterMetaType<switchboard::PgConnectionState>();
}

PgListener::~PgListener()
{
    stop();
}

int PgListener::backendPid() const
{
    return m_shared ? m_shared->backendPid.load() : 0;
}

void PgListener::start()
{
    if (m_thread)
        return;
    m_shared = std::make_shared<Shared>();
    m_shared->owner = this;
    m_thread = QThread::create([shared = m_shared, config = m_config, channels = m_channels] {
        runLoop(shared, config, channels);
    });
    m_thread->setObjectName(QStringLiteral("pg-listener"));
    m_thread->start();
}

void PgListener::stop()
{
    if (!m_thread)
        return;
    {
        const std::lock_guard<std::mutex> lock(m_shared->mutex);
        m_shared->owner = nullptr;
    }
    m_shared->stop = true;
    if (m_thread->wait(QDeadlineTimer(stopGraceMs)))
        delete m_thread;
    else
        ThreadGraveyard::park(m_thread); // still inside a connect to a silent server
    m_thread = nullptr;
    m_shared.reset();
}

void PgListener::runLoop(const std::shared_ptr<Shared> &shared, const PgConfig &config,
                         const QStringList &channels)
{
    int backoffMs = 250;
    while (!shared->stop) {
        QString error;
        const std::string conninfo = config.connectionString(PgTarget::Primary, &error);
        if (conninfo.empty()) {
            shared->report({PgConnectionState::Failed, error});
            return; // a DSN that does not parse will not parse on retry either
        }
        try {
            shared->report({PgConnectionState::Connecting, {}});
            listenUntilBroken(shared, conninfo, channels);
            backoffMs = 250;
        } catch (const std::exception &e) {
            shared->backendPid = 0;
            shared->report({PgConnectionState::Failed,
                            PgErrors::connectionFailure(config.describe(PgTarget::Primary),
                                                        QString::fromUtf8(e.what()))});
            // Backoff so a dead server is not hammered; sliced so stop() stays quick.
            for (int waited = 0; waited < backoffMs && !shared->stop; waited += 50)
                QThread::msleep(50);
            backoffMs = qMin(backoffMs * 2, 5000);
        }
    }
}

void PgListener::listenUntilBroken(const std::shared_ptr<Shared> &shared,
                                   const std::string &conninfo, const QStringList &channels)
{
    pqxx::connection connection(conninfo);
    std::vector<std::unique_ptr<Receiver>> receivers; // destroyed before the connection
    for (const QString &channel : channels)
        receivers.push_back(std::make_unique<Receiver>(connection, channel, shared));
    shared->backendPid = connection.backendpid();
    shared->report({PgConnectionState::Ready, {}});
    while (!shared->stop) {
        // Short waits so stop() is honoured within a fraction of a second.
        connection.await_notification(0, 200000);
        if (!connection.is_open())
            throw pqxx::broken_connection("connection closed");
    }
}

void PgListener::setState(const PgConnectionState &state)
{
    if (state == m_state)
        return;
    m_state = state;
    emit stateChanged(m_state);
}

} // namespace switchboard
