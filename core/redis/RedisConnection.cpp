#include "core/redis/RedisConnection.h"

#include "core/redis/BoundedReplyReader.h"
#include "core/redis/RedisHandshake.h"
#include "core/redis/RedisSentinelResolver.h"
#include "core/redis/RedisSentinelWatcher.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QVarLengthArray>

#include <algorithm>
#include <hiredis/hiredis.h>
#include <vector>

namespace switchboard {

namespace {

bool isPushReply(const RedisReply &reply)
{
    if (!reply.isArray() || reply.size() < 1 || !reply.at(0).isString())
        return false;
    const QByteArray &kind = reply.at(0).data();
    return kind == "message" || kind == "pmessage" || kind == "subscribe" || kind == "psubscribe"
        || kind == "unsubscribe" || kind == "punsubscribe";
}

// RESP encoding is hiredis' (redisFormatCommandArgv); empty on failure.
QByteArray encodeCommand(const QList<QByteArray> &args)
{
    QVarLengthArray<const char *, 16> argv;
    QVarLengthArray<size_t, 16> lens;
    for (const QByteArray &a : args) {
        argv.append(a.constData());
        lens.append(size_t(a.size()));
    }
    char *cmd = nullptr;
    const int len = args.isEmpty()
        ? -1
        : redisFormatCommandArgv(&cmd, int(argv.size()), argv.data(), lens.data());
    QByteArray wire = len > 0 ? QByteArray(cmd, len) : QByteArray();
    redisFreeCommand(cmd);
    return wire;
}

QString endpointText(const RedisEndpoint &e)
{
    return e.host + QLatin1Char(':') + QString::number(e.port);
}

} // namespace

RedisConnection::RedisConnection(const RedisConnectionOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_current(options.endpoint)
{
    // One wake-up at the earliest deadline, not a poll (updateSweepTimer).
    m_sweep.setSingleShot(true);
    m_sweep.setTimerType(Qt::PreciseTimer);
    connect(&m_sweep, &QTimer::timeout, this, &RedisConnection::sweepTimeouts);
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        breakConnection(QStringLiteral("connecting to %1 timed out after %2 ms")
                            .arg(endpointText(m_current))
                            .arg(m_options.connectTimeoutMs),
                        false);
    });
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &RedisConnection::startAttempt);
}

RedisConnection::~RedisConnection()
{
    // Pending callbacks are dropped: their owners may be half-destroyed by now.
    if (m_socket)
        disconnect(m_socket, nullptr, this, nullptr);
    m_reader.reset();
}

void RedisConnection::open()
{
    if (m_state == State::Ready || m_state == State::Connecting)
        return;
    m_retryTimer.stop();
    m_backoffStep = 0;
    startAttempt();
}

void RedisConnection::close()
{
    m_retryTimer.stop();
    if (m_watcher)
        m_watcher->stop();
    m_connectTimer.stop();
    if (m_resolver)
        m_resolver->cancel();
    ++m_generation;
    if (m_socket) {
        disconnect(m_socket, nullptr, this, nullptr);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    m_reader.reset();
    m_out.clear();
    m_lastError.clear();
    setState(State::Disconnected);
    QPointer<RedisConnection> self(this);
    failAll(m_inflight, QStringLiteral("connection closed by the client"));
    if (self)
        failAll(m_queued, QStringLiteral("connection closed by the client"));
}

QString RedisConnection::stateText() const
{
    switch (m_state) {
    case State::Disconnected:
        return m_lastError.isEmpty() ? QStringLiteral("disconnected")
                                     : QStringLiteral("disconnected: ") + m_lastError;
    case State::Connecting:
        return QStringLiteral("connecting to ") + endpointText(m_current);
    case State::Ready:
        return QStringLiteral("ready");
    case State::Reconnecting: {
        const qint64 ms = std::max<qint64>(0, m_retryAt.remainingTime());
        const QString in = ms < 1000 ? QString::number(double(ms) / 1000.0, 'f', 1)
                                     : QString::number((ms + 999) / 1000);
        return QStringLiteral("reconnecting in %1 s: %2").arg(in, m_lastError);
    }
    case State::Failed:
        return QStringLiteral("failed: ") + m_lastError;
    }
    return {};
}

void RedisConnection::send(const QList<QByteArray> &args, QObject *context, Callback done,
                           int timeoutMs)
{
    Pending p;
    p.context = context;
    p.hasContext = context != nullptr;
    p.done = std::move(done);
    p.timeoutMs = timeoutMs < 0 ? m_options.commandTimeoutMs : timeoutMs;
    enqueue(std::move(p), args);
}

void RedisConnection::sendRaw(const QList<QByteArray> &args, QObject *context, RawCallback onReply,
                              Callback onError, int timeoutMs)
{
    Pending p;
    p.context = context;
    p.hasContext = context != nullptr;
    p.done = std::move(onError);
    p.raw = std::move(onReply);
    p.timeoutMs = timeoutMs < 0 ? m_options.commandTimeoutMs : timeoutMs;
    enqueue(std::move(p), args);
}

void RedisConnection::enqueue(Pending p, const QList<QByteArray> &args)
{
    p.deadline = QDeadlineTimer(p.timeoutMs);
    noteDeadline(p.deadline);
    p.wire = encodeCommand(args);
    QString immediateError;
    if (p.wire.isEmpty())
        immediateError = QStringLiteral("cannot encode an empty or invalid command");
    if (immediateError.isEmpty() && m_state == State::Failed)
        immediateError = stateText();
    if (!immediateError.isEmpty()) {
        // Queued, so a caller never sees its callback run inside send().
        QMetaObject::invokeMethod(
            this,
            [this, p = std::move(p), immediateError]() mutable {
                deliver(p, RedisReply::localError(immediateError));
            },
            Qt::QueuedConnection);
        return;
    }
    if (m_state == State::Ready)
        writePending(std::move(p));
    else
        m_queued.push_back(std::move(p));
    updateSweepTimer();
}

bool RedisConnection::sendPush(const QList<QByteArray> &args)
{
    if (m_state != State::Ready || !m_socket)
        return false;
    const QByteArray wire = encodeCommand(args);
    m_out += wire;
    if (!m_inRead && !m_flushPosted) {
        m_flushPosted = true;
        QMetaObject::invokeMethod(this, &RedisConnection::flushWrites, Qt::QueuedConnection);
    }
    return !wire.isEmpty();
}

void RedisConnection::startAttempt()
{
    ++m_generation;
    setState(State::Connecting);
    m_connectTimer.start(m_options.connectTimeoutMs);
    if (!m_options.sentinel.isEnabled()) {
        connectSocket(m_options.endpoint);
        return;
    }
    if (!m_resolver)
        m_resolver = new RedisSentinelResolver(this);
    if (!m_watcher) {
        m_watcher = new RedisSentinelWatcher(m_options.sentinel, this);
        connect(m_watcher, &RedisSentinelWatcher::masterSwitched, this,
                [this](const RedisEndpoint &to) {
                    if (m_state != State::Ready
                        || (to.host == m_current.host && to.port == m_current.port))
                        return;
                    breakConnection(QStringLiteral("sentinel: master switched from %1 to %2")
                                        .arg(endpointText(m_current), endpointText(to)),
                                    false);
                    m_retryTimer.start(0); // follow now, no backoff: the new master is known
                });
    }
    m_watcher->start();
    const quint64 gen = m_generation;
    m_resolver->resolve(m_options.sentinel, m_options.connectTimeoutMs,
                        [this, gen](bool ok, const RedisEndpoint &master, const QString &error) {
                            if (gen != m_generation)
                                return;
                            if (ok)
                                connectSocket(master);
                            else
                                breakConnection(error, false);
                        });
}

void RedisConnection::connectSocket(const RedisEndpoint &endpoint)
{
    m_current = endpoint;
    ++m_connectAttempts;
    m_tlsVerifyFailed = false;
    m_tlsErrors.clear();
    m_deliverPosted = false;
    m_reader = std::make_shared<BoundedReplyReader>(m_options.maxReplyElements,
                                                    BoundedReplyReader::kDefaultMaxTreeBytes,
                                                    m_options.maxReplyBytes);
    // Plain connections use a bare QTcpSocket: QSslSocket in unencrypted mode relays
    // every read and write through a second socket, which costs pipelined throughput.
    QSslSocket *ssl = m_options.tls ? new QSslSocket(this) : nullptr;
    m_socket = ssl ? ssl : new QTcpSocket(this);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket->setReadBufferSize(kSocketBuffer);
    connect(m_socket, &QTcpSocket::readyRead, this, &RedisConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &RedisConnection::onSocketError);
    connect(m_socket, &QTcpSocket::disconnected, this, &RedisConnection::onSocketError);
    if (!ssl) {
        connect(m_socket, &QTcpSocket::connected, this, &RedisConnection::onTransportUp);
        m_socket->connectToHost(endpoint.host, quint16(endpoint.port));
        return;
    }
    const RedisTlsOptions &t = m_options.tlsOptions;
    QString tlsError;
    const QSslConfiguration conf = t.toSslConfiguration(&tlsError);
    if (!tlsError.isEmpty()) {
        breakConnection(tlsError, true);
        return;
    }
    ssl->setSslConfiguration(conf);
    connect(ssl, &QSslSocket::encrypted, this, &RedisConnection::onTransportUp);
    connect(ssl, &QSslSocket::sslErrors, this, &RedisConnection::onSslErrors);
    ssl->connectToHostEncrypted(endpoint.host, quint16(endpoint.port),
                                t.serverName.isEmpty() ? endpoint.host : t.serverName);
}

void RedisConnection::onSslErrors()
{
    auto *ssl = qobject_cast<QSslSocket *>(m_socket);
    if (!ssl)
        return;
    QList<QSslError> fatal;
    const QList<QSslError> errors = ssl->sslHandshakeErrors();
    for (const QSslError &e : errors) {
        if (e.error() == QSslError::HostNameMismatch && !m_options.tlsOptions.verifyHostName)
            continue;
        fatal << e;
    }
    if (fatal.isEmpty()) {
        ssl->ignoreSslErrors(errors);
        return;
    }
    m_tlsVerifyFailed = true;
    QStringList texts;
    for (const QSslError &e : fatal)
        texts << e.errorString();
    texts.removeDuplicates();
    m_tlsErrors = texts.join(QStringLiteral("; "));
}

void RedisConnection::onSocketError()
{
    if (!m_socket || sender() != m_socket)
        return;
    if (m_tlsVerifyFailed) {
        breakConnection(QStringLiteral("TLS verification of %1 failed: %2")
                            .arg(endpointText(m_current), m_tlsErrors),
                        true);
        return;
    }
    // The server closed the connection (QUIT, a restart, CLIENT KILL): replies it sent
    // before closing may still sit in Qt's buffer and the reader, not yet handed out (a
    // budgeted delivery continues pass by pass). They are delivered now, in full: a
    // command the server answered must not be reported failed. Then the rest fail.
    if (m_state == State::Ready && m_socket->error() == QAbstractSocket::RemoteHostClosedError
        && m_reader) {
        const quint64 gen = m_generation;
        QPointer<RedisConnection> self(this);
        m_drainAll = true;
        deliverReplies();
        if (!self)
            return;
        m_drainAll = false;
        if (gen != m_generation || !m_socket)
            return; // a protocol error or a callback already closed it
    }
    QString reason = m_socket->errorString();
    if (m_socket->error() == QAbstractSocket::RemoteHostClosedError
        || m_socket->error() == QAbstractSocket::UnknownSocketError) {
        reason = m_state == State::Connecting
            ? QStringLiteral("connection closed by %1 during the handshake")
                  .arg(endpointText(m_current))
            : QStringLiteral("connection closed by %1").arg(endpointText(m_current));
        if (m_state == State::Connecting && !m_options.tls)
            reason += QStringLiteral(" (a TLS port? use rediss://)");
    }
    breakConnection(reason, false);
}

void RedisConnection::onTransportUp()
{
    sendHandshake();
}

void RedisConnection::sendHandshake()
{
    const quint64 gen = m_generation;
    const QList<RedisHandshake::Step> steps = RedisHandshake::steps(m_options);
    m_handshakeLeft = int(steps.size());
    for (const RedisHandshake::Step &step : steps) {
        Pending p;
        p.internal = true;
        p.timeoutMs = m_options.connectTimeoutMs;
        p.deadline = QDeadlineTimer(p.timeoutMs);
        noteDeadline(p.deadline);
        p.done = [this, gen, step](const RedisReply &r) {
            if (gen != m_generation)
                return;
            if (const auto failure
                = RedisHandshake::judge(step, r, m_options, endpointText(m_current))) {
                breakConnection(failure->reason, failure->permanent);
                return;
            }
            if (--m_handshakeLeft == 0)
                handshakeDone();
        };
        p.wire = encodeCommand(step.args);
        writePending(std::move(p));
    }
    updateSweepTimer();
}

void RedisConnection::handshakeDone()
{
    m_connectTimer.stop();
    m_backoffStep = 0;
    m_lastError.clear();
    setState(State::Ready);
    std::deque<Pending> queued;
    queued.swap(m_queued);
    for (Pending &p : queued) {
        if (p.hasContext && !p.context)
            continue;
        writePending(std::move(p));
    }
    updateSweepTimer();
    emit ready();
}

void RedisConnection::writePending(Pending pending)
{
    m_out += pending.wire;
    pending.wire.clear();
    m_inflight.push_back(std::move(pending));
    if (!m_inRead && !m_flushPosted) {
        m_flushPosted = true;
        QMetaObject::invokeMethod(this, &RedisConnection::flushWrites, Qt::QueuedConnection);
    }
}

void RedisConnection::flushNow()
{
    if (m_socket && !m_out.isEmpty()) { // a flush already posted then finds nothing to do
        m_socket->write(m_out);
        m_socket->flush();
        m_out.clear();
    }
}

void RedisConnection::flushWrites()
{
    m_flushPosted = false;
    if (m_socket && !m_out.isEmpty()) {
        m_socket->write(m_out);
        // Straight to the kernel (non-blocking) rather than one more poll round later:
        // pipelined latency is round trips.
        m_socket->flush();
    }
    m_out.clear();
}

void RedisConnection::onReadyRead()
{
    if (!m_socket || !m_reader)
        return;
    // A delivery cut by its budget is queued and reads on from the socket itself; reading
    // here too would put a second budget's worth of work into this event-loop pass.
    if (m_deliverPosted)
        return;
    deliverReplies();
}

bool RedisConnection::readSome()
{
    if (!m_socket || !m_reader || m_socket->bytesAvailable() <= 0)
        return false;
    const QByteArray data = m_socket->read(kReadChunk);
    if (data.isEmpty())
        return false;
    m_lastRead.start();
    // Only stored by the reader: hiredis gets it in small chunks as replies are parsed.
    return m_reader->feed(data);
}

void RedisConnection::deliverReplies()
{
    if (!m_socket || !m_reader)
        return;
    const quint64 gen = m_generation;
    QPointer<RedisConnection> self(this);
    m_deliverPosted = false;
    // Commands sent by the callbacks below go out in one write when the batch is done.
    m_inRead = true;
    struct FlushAtEnd
    {
        QPointer<RedisConnection> c;
        ~FlushAtEnd()
        {
            if (c) {
                c->m_inRead = false;
                if (!c->m_flushPosted)
                    c->flushWrites();
            }
        }
    } flushAtEnd {self};
    // Replies are handed out for at most kDeliverBudgetMs per event-loop pass; the rest
    // (already parsed by hiredis, in order) after a queued call. A socket read that
    // brings many replies at once (the sessions view's first poll: ZRANGE pages and
    // SORT_RO reads piled up while the GUI thread was busy) was one 50-90 ms callback.
    QElapsedTimer budget;
    budget.start();
    for (;;) {
        if (!m_drainAll && budget.elapsed() >= kDeliverBudgetMs) {
            m_deliverPosted = true;
            QMetaObject::invokeMethod(
                this,
                [this, self, gen] {
                    if (self && gen == m_generation)
                        deliverReplies();
                },
                Qt::QueuedConnection);
            return;
        }
        void *raw = nullptr;
        if (!m_reader->getReply(&raw)) {
            breakConnection(QStringLiteral("protocol error from %1: %2")
                                .arg(endpointText(m_current), m_reader->errorText()),
                            false);
            return;
        }
        if (!raw) {
            // A reply over the cap fails alone (the reader skips what it cannot keep, see
            // below), so what waits unparsed stays within about one cap. This is the net
            // under that: memory never grows without bound, whatever the server sends.
            if (qint64(m_reader->bufferedBytes()) > m_options.maxReplyBytes + kReadChunk) {
                breakConnection(QStringLiteral("more than %1 MiB from %2 could not be parsed")
                                    .arg(m_options.maxReplyBytes / (1024 * 1024))
                                    .arg(endpointText(m_current)),
                                false);
                return;
            }
            if (readSome())
                continue;
            break;
        }
        if (m_reader->isOversized(raw)) {
            // Over the reply cap, the element or the tree budget: that request fails, the
            // connection and the replies after it carry on (issue 17).
            const BoundedReplyReader::Oversized &o = m_reader->oversized();
            const RedisReply reply
                = RedisReply::oversized(o.reason, o.bytes, o.context, o.path, o.previous);
            m_reader->releaseReply(raw);
            if (m_pushMode && !o.context.isEmpty()
                && (o.context.first() == "message" || o.context.first() == "pmessage")) {
                qWarning("switchboard: a pub/sub message from %s dropped: %s",
                         qPrintable(endpointText(m_current)), qPrintable(o.reason));
                continue;
            }
            if (m_inflight.empty()) {
                breakConnection(QStringLiteral("protocol error from %1: a reply arrived with no "
                                               "command waiting for it")
                                    .arg(endpointText(m_current)),
                                false);
                return;
            }
            Pending p = std::move(m_inflight.front());
            m_inflight.pop_front();
            if (p.internal) { // a handshake step: the server is not what it should be
                breakConnection(
                    QStringLiteral("handshake with %1: %2").arg(endpointText(m_current), o.reason),
                    false);
                return;
            }
            deliver(p, reply); // sendRaw: its error callback
            if (!self || gen != m_generation)
                return;
            continue;
        }
        const auto *tree = static_cast<const redisReply *>(raw);
        // sendRaw: a non-error reply goes to its caller as hiredis built it (no copy).
        if (!m_pushMode && !m_inflight.empty() && m_inflight.front().raw
            && tree->type != REDIS_REPLY_ERROR) {
            Pending p = std::move(m_inflight.front());
            m_inflight.pop_front();
            // The tree lives in the reader's arena: the reader must outlive the callback,
            // which may close or even delete this connection.
            const std::shared_ptr<BoundedReplyReader> reader = m_reader;
            if (!p.hasContext || p.context)
                p.raw(tree);
            reader->releaseReply(raw);
            if (!self || gen != m_generation)
                return;
            continue;
        }
        const RedisReply reply = RedisReply::fromHiredis(tree);
        m_reader->releaseReply(raw);
        if (m_pushMode && isPushReply(reply)) {
            emit pushReceived(reply);
        } else {
            if (m_inflight.empty()) {
                breakConnection(QStringLiteral("protocol error from %1: a reply arrived with no "
                                               "command waiting for it")
                                    .arg(endpointText(m_current)),
                                false);
                return;
            }
            Pending p = std::move(m_inflight.front());
            m_inflight.pop_front();
            const bool readOnly
                = !p.internal && reply.isError() && reply.data().startsWith("READONLY");
            deliver(p, reply);
            if (self && gen == m_generation && readOnly && m_options.sentinel.isEnabled()) {
                breakConnection(
                    QStringLiteral("%1 turned read-only (failover): asking the sentinels again")
                        .arg(endpointText(m_current)),
                    false);
                return;
            }
        }
        if (!self || gen != m_generation)
            return;
    }
    updateSweepTimer();
}

void RedisConnection::deliver(Pending &pending, const RedisReply &reply)
{
    if (pending.hasContext && !pending.context)
        return; // the caller is gone: cancelled
    if (pending.done)
        pending.done(reply);
}

void RedisConnection::sweepTimeouts()
{
    // Replies already received are being handed out pass by pass: the overdue command's
    // answer may be among them. The next sweep looks again.
    if (m_deliverPosted) {
        armSweep(QDeadlineTimer(kSweepRetryMs));
        return;
    }
    // A reply still arriving is not overdue: a big one (up to the cap, or one being
    // skipped past it) over a slow link takes longer than a command timeout. It gets one
    // more timeout as long as bytes came within the last one, kMaxExtensions at most.
    if (!m_inflight.empty() && m_inflight.front().deadline.hasExpired() && m_reader
        && m_reader->replyInProgress() && m_lastRead.isValid()
        && m_lastRead.elapsed() < m_options.commandTimeoutMs
        && m_inflight.front().extensions < kMaxExtensions) {
        ++m_inflight.front().extensions;
        m_inflight.front().deadline = QDeadlineTimer(m_options.commandTimeoutMs);
    }
    // Replies come in order: when the oldest command in flight is overdue, the server (or
    // the path to it) is stuck, and the connection is rebuilt.
    if (!m_inflight.empty() && m_inflight.front().deadline.hasExpired()) {
        breakConnection(QStringLiteral("timed out after %1 ms waiting for %2")
                            .arg(m_inflight.front().timeoutMs)
                            .arg(endpointText(m_current)),
                        false);
        return;
    }
    // A newer command with a shorter timeout cannot be answered before the ones ahead of
    // it, but its caller should not wait for them: it gets its timeout now, and its
    // reply is dropped when it comes (the slot stays so replies still match in order).
    // The slot then waits up to one default timeout more before it counts as overdue.
    std::deque<Pending> overdue;
    for (Pending &p : m_inflight) {
        if (p.internal || !p.done || !p.deadline.hasExpired())
            continue;
        Pending out;
        out.context = p.context;
        out.hasContext = p.hasContext;
        out.done = std::move(p.done);
        out.timeoutMs = p.timeoutMs;
        p.done = nullptr;
        p.raw = nullptr; // its late reply is dropped too
        p.deadline = QDeadlineTimer(m_options.commandTimeoutMs);
        overdue.push_back(std::move(out));
    }
    QPointer<RedisConnection> guard(this);
    for (Pending &p : overdue) {
        deliver(p,
                RedisReply::localError(
                    QStringLiteral("timed out after %1 ms waiting for %2 behind slower "
                                   "commands (the server may still run it)")
                        .arg(p.timeoutMs)
                        .arg(endpointText(m_current))));
        if (!guard)
            return;
    }
    std::deque<Pending> expired;
    for (auto it = m_queued.begin(); it != m_queued.end();) {
        if (it->deadline.hasExpired()) {
            expired.push_back(std::move(*it));
            it = m_queued.erase(it);
        } else {
            ++it;
        }
    }
    QPointer<RedisConnection> self(this);
    for (Pending &p : expired) {
        deliver(p,
                RedisReply::localError(QStringLiteral("timed out after %1 ms: not connected (%2)")
                                           .arg(p.timeoutMs)
                                           .arg(stateText())));
        if (!self)
            return;
    }
    updateSweepTimer();
}

void RedisConnection::breakConnection(const QString &reason, bool permanent)
{
    ++m_generation;
    m_connectTimer.stop();
    if (m_resolver)
        m_resolver->cancel();
    if (m_socket) {
        disconnect(m_socket, nullptr, this, nullptr);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    m_reader.reset();
    m_out.clear();
    m_lastError = reason;
    bool failQueued = false;
    if (permanent) {
        setState(State::Failed);
        failQueued = true;
        if (m_options.failedRetryMs > 0 && m_options.autoReconnect)
            m_retryTimer.start(m_options.failedRetryMs);
    } else if (!m_options.autoReconnect) {
        setState(State::Disconnected);
        failQueued = true;
    } else {
        // Exponential backoff with jitter, so many consoles do not reconnect in lockstep.
        const qint64 base
            = std::min<qint64>(m_options.reconnectMaxMs,
                               qint64(m_options.reconnectMinMs) << std::min(m_backoffStep, 16));
        const double jitter = 0.75 + 0.5 * QRandomGenerator::global()->generateDouble();
        const int delay
            = int(std::min<double>(double(m_options.reconnectMaxMs), double(base) * jitter));
        ++m_backoffStep;
        m_retryAt = QDeadlineTimer(delay);
        m_retryTimer.start(delay);
        setState(State::Reconnecting);
    }
    QPointer<RedisConnection> self(this);
    failAll(m_inflight, reason);
    if (self && failQueued)
        failAll(m_queued, stateText());
    if (self)
        updateSweepTimer();
}

void RedisConnection::failAll(std::deque<Pending> &list, const QString &message)
{
    std::deque<Pending> taken;
    taken.swap(list);
    QPointer<RedisConnection> self(this);
    const RedisReply error = RedisReply::localError(message);
    for (Pending &p : taken) {
        if (p.internal)
            continue;
        deliver(p, error);
        if (!self)
            return;
    }
}

void RedisConnection::setState(State state)
{
    if (m_state == state && state != State::Reconnecting)
        return;
    m_state = state;
    emit stateChanged(state, stateText());
}

void RedisConnection::updateSweepTimer()
{
    // The sweep wakes once, at the earliest deadline of a command pending: a connection
    // waiting on a blocking XREAD for seconds sleeps until then (a 20 ms poll was 50
    // wake-ups a second of a console left open). An armed sweep stays: a new command with
    // an earlier deadline re-arms it (noteDeadline); one that fires early re-arms here.
    if (pendingCount() == 0) {
        m_sweep.stop();
        return;
    }
    if (m_sweep.isActive())
        return;
    QDeadlineTimer earliest(QDeadlineTimer::Forever);
    for (const Pending &p : m_inflight)
        earliest = std::min(earliest, p.deadline);
    for (const Pending &p : m_queued)
        earliest = std::min(earliest, p.deadline);
    armSweep(earliest);
}

void RedisConnection::noteDeadline(const QDeadlineTimer &deadline)
{
    if (m_sweep.isActive() && deadline < m_sweepAt)
        armSweep(deadline);
}

void RedisConnection::armSweep(const QDeadlineTimer &at)
{
    if (at.isForever()) { // cannot happen (every command has a timeout); keep a slow check
        armSweep(QDeadlineTimer(1000));
        return;
    }
    m_sweepAt = at;
    m_sweep.start(int(std::clamp<qint64>(at.remainingTime(), 0, 24 * 3600 * 1000)));
}

} // namespace switchboard
