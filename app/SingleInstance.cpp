#include "app/SingleInstance.h"

#include "core/util/OperatorIdentity.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLockFile>
#include <QStandardPaths>

namespace switchboard {

namespace {
const QByteArray kRaise = "raise\n";
const QByteArray kRaised = "raised\n";

} // namespace

SingleInstance::SingleInstance(QObject *parent)
    : QObject(parent)
{ }

SingleInstance::~SingleInstance()
{
    release();
}

QString SingleInstance::socketPath(const QString &profileKey)
{
    // The runtime directory is the user's own (Qt creates a 0700 fallback without
    // XDG_RUNTIME_DIR), so nobody else can squat the name; the hash keeps the profile's
    // name (which may be anything) out of the file system.
    QString dir = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (dir.isEmpty())
        dir = QDir::tempPath();
    const QByteArray id
        = QCryptographicHash::hash(QStringLiteral("switchboard\n%1\n%2")
                                       .arg(OperatorIdentity::loginName(), profileKey)
                                       .toUtf8(),
                                   QCryptographicHash::Sha256);
    return dir + QStringLiteral("/switchboard-") + QString::fromLatin1(id.toHex().left(24))
        + QStringLiteral(".sock");
}

void SingleInstance::release()
{
    if (m_server) {
        m_server->close(); // removes the socket file
        delete m_server;
        m_server = nullptr;
    }
}

SingleInstance::Claim SingleInstance::claim(const QString &profileKey, int timeoutMs)
{
    m_error.clear();
    const QString path = socketPath(profileKey);
    QDeadlineTimer deadline(timeoutMs);

    // Two consoles starting at once: one at a time looks and takes over.
    QLockFile lock(path + QStringLiteral(".lock"));
    lock.setStaleLockTime(10000);
    if (!lock.tryLock(qMax(0, int(deadline.remainingTime())))) {
        m_error = QStringLiteral("cannot lock %1.lock").arg(path);
        return Claim::Failed;
    }

    {
        QLocalSocket socket;
        socket.connectToServer(path);
        if (socket.waitForConnected(qMax(1, int(deadline.remainingTime())))) {
            socket.write(kRaise);
            socket.flush();
            QByteArray answer;
            while (!answer.endsWith('\n') && !deadline.hasExpired()
                   && socket.waitForReadyRead(qMax(1, int(deadline.remainingTime()))))
                answer += socket.readAll();
            if (answer == kRaised)
                return Claim::Raised;
            // Something listens but does not answer as a console would: a hung console.
            // Taking its socket over would leave it unreachable; the caller runs alone.
            m_error = QStringLiteral("the console holding %1 did not answer").arg(path);
            return Claim::Failed;
        }
        // Refused or absent: nobody listens. A file left by a crashed console is removed.
    }

    release();
    // With UserAccessOption Qt binds in a private directory and renames the socket into
    // place, which replaces a stale file by itself; removing it first also covers a Qt
    // that binds in place (which fails with AddressInUseError on a leftover file).
    QLocalServer::removeServer(path);
    auto *server = new QLocalServer(this);
    server->setSocketOptions(QLocalServer::UserAccessOption);
    if (!server->listen(path)) {
        m_error = QStringLiteral("cannot listen on %1: %2").arg(path, server->errorString());
        delete server;
        return Claim::Failed;
    }
    m_server = server;
    connect(server, &QLocalServer::newConnection, this, [this, server] {
        while (QLocalSocket *peer = server->nextPendingConnection()) {
            connect(peer, &QLocalSocket::disconnected, peer, &QObject::deleteLater);
            connect(peer, &QLocalSocket::readyRead, this, [this, peer] {
                // Only the one request; anything else (or more) closes the connection.
                if (peer->bytesAvailable() < kRaise.size())
                    return;
                const QByteArray request = peer->read(kRaise.size());
                if (request == kRaise) {
                    peer->write(kRaised);
                    peer->flush();
                    Q_EMIT raiseRequested();
                }
                peer->disconnectFromServer();
            });
        }
    });
    return Claim::Primary;
}

} // namespace switchboard
