#pragma once
#include "core/redis/RedisConnectionOptions.h"
#include "core/redis/RedisReply.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>

class QTcpSocket;
struct redisReply;

namespace switchboard {

class BoundedReplyReader;
class RedisSentinelResolver;
class RedisSentinelWatcher;

// The transport: one socket (TCP or TLS) on the Qt event loop, RESP through hiredis'
// encoder and reader, the handshake (AUTH, SELECT, CLIENT SETNAME, ROLE in sentinel mode),
// pipelining with FIFO matching, per-command timeouts, and reconnect with backoff.
// No command semantics live here, so a cluster router can sit on top of several of these.
class RedisConnection : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Ready, Reconnecting, Failed };
    Q_ENUM(State)
    using Callback = std::function<void(const RedisReply &)>;
    // Sees hiredis' own reply tree, valid only during the call (freed right after).
    using RawCallback = std::function<void(const redisReply *)>;

    explicit RedisConnection(const RedisConnectionOptions &options, QObject *parent = nullptr);
    ~RedisConnection() override;

    void open();
    void close();

    State state() const { return m_state; }
    // "ready", "connecting", "reconnecting in 3 s: <reason>", "failed: <reason>".
    QString stateText() const;
    QString lastError() const { return m_lastError; }
    // host:port of the server currently (or last) connected to.
    RedisEndpoint currentEndpoint() const { return m_current; }
    int connectAttempts() const { return m_connectAttempts; }
    const RedisConnectionOptions &options() const { return m_options; }

    // Sends one command. The callback runs exactly once, unless context was given and has
    // been destroyed since. Commands sent while not ready wait (up to their timeout).
    // timeoutMs < 0 means options().commandTimeoutMs.
    void send(const QList<QByteArray> &args, QObject *context, Callback done, int timeoutMs = -1);

    // Like send(), but a server reply that is not an error reaches onReply as hiredis'
    // tree, with no RedisReply copy: for the hot stream reader, which builds its own rows
    // from it. Server errors and local errors (timeouts, a broken connection) go to
    // onError as a RedisReply, as with send(). The budgets still apply: a reply over one
    // goes to onError too (RedisReply::isOversized()).
    void sendRaw(const QList<QByteArray> &args, QObject *context, RawCallback onReply,
                 Callback onError, int timeoutMs = -1);

    // Pub/sub: replies that are pushes ("message", "subscribe", ...) are emitted through
    // pushReceived instead of being matched to a command.
    void setPushMode(bool on) { m_pushMode = on; }
    // Writes a command whose answers come as pushes (SUBSCRIBE); only while ready.
    bool sendPush(const QList<QByteArray> &args);

    int pendingCount() const { return int(m_inflight.size() + m_queued.size()); }
    // Writes what was sent so far now rather than when this pass or reply batch is done:
    // for a caller about to do long work with its next command already sent (the stream
    // reader parses a batch while the next XREAD is on its way). Nothing else changes.
    void flushNow();

Q_SIGNALS:
    void stateChanged(switchboard::RedisConnection::State state, const QString &text);
    void ready();
    void pushReceived(const switchboard::RedisReply &reply);

private:
    struct Pending
    {
        QPointer<QObject> context;
        bool hasContext = false;
        bool internal = false; // handshake commands: never reported to callers
        Callback done;
        RawCallback raw; // sendRaw: non-error replies go here instead of done
        QDeadlineTimer deadline;
        int timeoutMs = 0;
        int extensions = 0; // deadline moved on while its reply was arriving
        QByteArray wire; // encoded, kept only while queued
    };

    void startAttempt();
    void connectSocket(const RedisEndpoint &endpoint);
    void onTransportUp();
    void onReadyRead();
    void deliverReplies(); // at most kDeliverBudgetMs per event-loop pass
    bool readSome(); // up to kReadChunk of what the socket holds, to the reader
    void onSocketError();
    void onSslErrors();
    void sendHandshake();
    void handshakeDone();
    void sweepTimeouts();
    void enqueue(Pending p, const QList<QByteArray> &args);
    void writePending(Pending pending);
    void deliver(Pending &pending, const RedisReply &reply);
    // Tears the socket down; transient failures reconnect with backoff, permanent ones
    // go to Failed (a slow retry at most).
    void breakConnection(const QString &reason, bool permanent);
    void failAll(std::deque<Pending> &list, const QString &message);
    void setState(State state);
    void updateSweepTimer();
    void noteDeadline(const QDeadlineTimer &deadline); // a new command's: sweep by then
    void armSweep(const QDeadlineTimer &at);
    void flushWrites();

    RedisConnectionOptions m_options;
    State m_state = State::Disconnected;
    QString m_lastError;
    RedisEndpoint m_current;
    QTcpSocket *m_socket = nullptr; // a QSslSocket when TLS is on
    std::shared_ptr<BoundedReplyReader> m_reader; // shared: held across a raw callback
    RedisSentinelResolver *m_resolver = nullptr;
    RedisSentinelWatcher *m_watcher = nullptr;
    std::deque<Pending> m_inflight;
    std::deque<Pending> m_queued;
    QTimer m_sweep; // single shot, armed for the earliest deadline pending (m_sweepAt)
    QDeadlineTimer m_sweepAt;
    static constexpr int kSweepRetryMs = 20; // replies being handed out: look again soon
    QTimer m_connectTimer;
    QTimer m_retryTimer;
    QDeadlineTimer m_retryAt;
    QElapsedTimer m_lastRead; // since bytes last came from the socket
    static constexpr int kMaxExtensions = 10;
    quint64 m_generation = 0;
    int m_backoffStep = 0;
    int m_connectAttempts = 0;
    int m_handshakeLeft = 0;
    bool m_pushMode = false;
    // Commands are gathered and written once per event-loop pass (or per batch of
    // replies read), so a pipeline costs one syscall, not one per command.
    QByteArray m_out;
    bool m_flushPosted = false;
    bool m_inRead = false;
    bool m_deliverPosted = false; // a budgeted delivery continues in a later pass
    bool m_drainAll = false; // the server closed: hand out every reply received, no budget
    static constexpr int kDeliverBudgetMs = 2;
    // The socket is read in pieces as replies are handed out, not all at once: a first
    // poll's pipelined replies (several MiB) were one readAll, one copy into hiredis and
    // page faults in one event. Qt buffers at most kSocketBuffer; the rest waits in the
    // kernel (TCP flow control) until the replies before it are handed out.
    static constexpr qint64 kReadChunk = 64 * 1024;
    static constexpr qint64 kSocketBuffer = 1024 * 1024;
    bool m_tlsVerifyFailed = false;
    QString m_tlsErrors;
};

} // namespace switchboard
