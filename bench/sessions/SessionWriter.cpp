#include "SessionWriter.h"

#include "core/contract/Keys.h"
#include "core/contract/SessionRecord.h"

#include <QDateTime>

#include <chrono>
#include <hiredis.h>
#include <vector>

namespace switchboard::bench {

namespace {

struct Conn
{
    redisContext *ctx = nullptr;
    ~Conn()
    {
        if (ctx)
            redisFree(ctx);
    }
};

void append(redisContext *ctx, const QList<QByteArray> &args)
{
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lens.push_back(size_t(a.size()));
    }
    redisAppendCommandArgv(ctx, int(argv.size()), argv.data(), lens.data());
}

bool drain(redisContext *ctx, int replies, QString *error)
{
    for (int i = 0; i < replies; ++i) {
        void *raw = nullptr;
        if (redisGetReply(ctx, &raw) != REDIS_OK) {
            if (error)
                *error = QString::fromUtf8(ctx->errstr);
            return false;
        }
        freeReplyObject(raw);
    }
    return true;
}

QByteArray sessionId(int i)
{
    return QByteArrayLiteral("bench-") + QByteArray::number(i);
}

SessionRecord record(int i, qint64 now)
{
    SessionRecord r;
    r.id = QString::fromLatin1(sessionId(i));
    static const char *const agents[]
        = {"support-bot", "billing-agent", "voice-frontdesk", "research-assistant", "triage"};
    r.agent = QString::fromLatin1(agents[i % 5]);
    r.layer = QStringLiteral("llm");
    r.channel = i % 3 ? QStringLiteral("chat") : QStringLiteral("phone");
    r.host = QStringLiteral("host-%1").arg(i % 40);
    r.startedAt = now - 600000;
    r.updatedAt = now;
    r.turns = i % 50;
    r.ctxLimit = 200000;
    r.ctxTokens = (qint64(i) * 7919) % 200000;
    r.model = i % 2 ? QStringLiteral("claude-sonnet-4") : QStringLiteral("gpt-4.1");
    r.promptVersion = 3 + i % 4;
    r.state = SessionState::Active;
    return r;
}

} // namespace

SessionWriter::SessionWriter(QString host, int port, QByteArray ns, int sessions,
                             double changeShare)
    : m_host(std::move(host))
    , m_port(port)
    , m_ns(std::move(ns))
    , m_sessions(sessions)
    , m_share(changeShare)
{ }

SessionWriter::~SessionWriter()
{
    stop();
}

bool SessionWriter::populate(QString *error)
{
    Conn c;
    c.ctx = redisConnect(m_host.toUtf8().constData(), m_port);
    if (!c.ctx || c.ctx->err) {
        *error = QStringLiteral("connect failed");
        return false;
    }
    const Keys keys(m_ns);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    int pending = 0;
    for (int i = 0; i < m_sessions; ++i) {
        const SessionRecord r = record(i, now);
        QList<QByteArray> hset {QByteArrayLiteral("HSET"), keys.session(r.id)};
        hset += r.toFields().toFlatList();
        append(c.ctx, hset);
        append(c.ctx,
               {QByteArrayLiteral("ZADD"), keys.sessions(), QByteArray::number(now), sessionId(i)});
        pending += 2;
        if (pending >= 2000) {
            if (!drain(c.ctx, pending, error))
                return false;
            pending = 0;
        }
    }
    return drain(c.ctx, pending, error);
}

void SessionWriter::start()
{
    m_stop = false;
    m_thread = std::thread([this] { loop(); });
}

void SessionWriter::stop()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
}

void SessionWriter::loop()
{
    Conn c;
    c.ctx = redisConnect(m_host.toUtf8().constData(), m_port);
    if (!c.ctx || c.ctx->err)
        return;
    const Keys keys(m_ns);
    const int perSecond = qMax(1, int(m_sessions * m_share));
    int next = 0;
    auto due = std::chrono::steady_clock::now();
    while (!m_stop) {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        int pending = 0;
        for (int k = 0; k < perSecond; ++k) {
            const int i = next;
            next = (next + 7) % m_sessions; // spread over the fleet, all touched in turn
            const QByteArray key = keys.session(QString::fromLatin1(sessionId(i)));
            append(c.ctx,
                   {QByteArrayLiteral("HSET"), key, QByteArrayLiteral("updated_at"),
                    QByteArray::number(now), QByteArrayLiteral("ctx_tokens"),
                    QByteArray::number((now / 1000 + i) % 200000), QByteArrayLiteral("turns"),
                    QByteArray::number(now / 1000 % 1000)});
            append(c.ctx,
                   {QByteArrayLiteral("ZADD"), keys.sessions(), QByteArray::number(now),
                    sessionId(i)});
            pending += 2;
        }
        if (!drain(c.ctx, pending, nullptr))
            return;
        m_changes += quint64(perSecond);
        due += std::chrono::seconds(1);
        while (!m_stop && std::chrono::steady_clock::now() < due)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

} // namespace switchboard::bench
