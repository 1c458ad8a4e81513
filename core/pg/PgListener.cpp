#include "core/pg/PgListener.h"

#include "core/pg/PgErrors.h"

#include <QThread>

#include <pqxx/pqxx>
#include <vector>

namespace switchboard {

namespace {

class Receiver : public pqxx::notification_receiver
{
public:
    Receiver(pqxx::connection_base &c, const QString &channel, PgListener *listener)
        : pqxx::notification_receiver(c, channel.toStdString())
        , m_channel(channel)
        , m_listener(listener)
    { }

    void operator()(const std::string &payload, int) override
    {
        // Emitted from the listener thread: receivers elsewhere get it queued.
        emit m_listener->notification(m_channel, QString::fromStdString(payload));
    }

private:
    QString m_channel;
    PgListener *m_listener;
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

void PgListener::start()
{
    if (m_thread)
        return;
    m_stop = false;
    m_thread.reset(QThread::create([this] { runLoop(); }));
    m_thread->setObjectName(QStringLiteral("pg-listener"));
    m_thread->start();
}

void PgListener::stop()
{
    if (!m_thread)
        return;
    m_stop = true;
    m_thread->wait();
    m_thread.reset();
    m_backendPid = 0;
}

void PgListener::runLoop()
{
    int backoffMs = 250;
    while (!m_stop) {
        QString error;
        const std::string conninfo = m_config.connectionString(PgTarget::Primary, &error);
        if (conninfo.empty()) {
            report({PgConnectionState::Failed, error});
            return; // a DSN that does not parse will not parse on retry either
        }
        try {
            report({PgConnectionState::Connecting, {}});
            listenUntilBroken(conninfo);
            backoffMs = 250;
        } catch (const std::exception &e) {
            m_backendPid = 0;
            report({PgConnectionState::Failed,
                    PgErrors::connectionFailure(m_config.describe(PgTarget::Primary),
                                                QString::fromUtf8(e.what()))});
            // Backoff so a dead server is not hammered; sliced so stop() stays quick.
            for (int waited = 0; waited < backoffMs && !m_stop; waited += 50)
                QThread::msleep(50);
            backoffMs = qMin(backoffMs * 2, 5000);
        }
    }
}

void PgListener::listenUntilBroken(const std::string &conninfo)
{
    pqxx::connection connection(conninfo);
    std::vector<std::unique_ptr<Receiver>> receivers; // destroyed before the connection
    for (const QString &channel : m_channels)
        receivers.push_back(std::make_unique<Receiver>(connection, channel, this));
    m_backendPid = connection.backendpid();
    report({PgConnectionState::Ready, {}});
    while (!m_stop) {
        // Short waits so stop() is honoured within a fraction of a second.
        connection.await_notification(0, 200000);
        if (!connection.is_open())
            throw pqxx::broken_connection("connection closed");
    }
}

void PgListener::report(const PgConnectionState &state)
{
    QMetaObject::invokeMethod(
        this, [this, state] { setState(state); }, Qt::QueuedConnection);
}

void PgListener::setState(const PgConnectionState &state)
{
    if (state == m_state)
        return;
    m_state = state;
    emit stateChanged(m_state);
}

} // namespace switchboard
