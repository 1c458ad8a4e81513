#include "sim/RedisSink.h"

#include <QUrl>

#include <cstdio>
#include <hiredis/hiredis.h>

namespace switchboard::sim {

RedisSink::~RedisSink()
{
    if (m_ctx)
        redisFree(m_ctx);
}

bool RedisSink::connect(const QString &uri, QString *error)
{
    const QUrl url(uri);
    if (!url.isValid() || url.scheme() != QLatin1String("redis")) {
        *error = QStringLiteral("not a redis:// URI: ") + uri;
        return false;
    }
    const QByteArray host = url.host().toUtf8();
    timeval tv {5, 0};
    m_ctx = redisConnectWithTimeout(host.constData(), url.port(6379), tv);
    if (!m_ctx || m_ctx->err) {
        *error = QStringLiteral("cannot connect to Redis at ") + uri + QStringLiteral(": ")
            + QString::fromUtf8(m_ctx ? m_ctx->errstr : "out of memory");
        return false;
    }
    redisSetTimeout(m_ctx, timeval {30, 0});
    std::vector<std::vector<std::string>> setup;
    if (!url.password().isEmpty()) {
        if (url.userName().isEmpty())
            setup.push_back({"AUTH", url.password().toStdString()});
        else
            setup.push_back({"AUTH", url.userName().toStdString(), url.password().toStdString()});
    }
    const QString db = url.path().mid(1);
    if (!db.isEmpty())
        setup.push_back({"SELECT", db.toStdString()});
    setup.push_back({"CLIENT", "SETNAME", "switchboard-sim"});
    for (const auto &argv : setup) {
        std::vector<const char *> a;
        std::vector<size_t> l;
        for (const auto &s : argv) {
            a.push_back(s.data());
            l.push_back(s.size());
        }
        auto *reply = static_cast<redisReply *>(
            redisCommandArgv(m_ctx, static_cast<int>(a.size()), a.data(), l.data()));
        if (!reply || reply->type == REDIS_REPLY_ERROR) {
            *error = QStringLiteral("Redis refused ") + QString::fromStdString(argv.front())
                + QStringLiteral(": ") + QString::fromUtf8(reply ? reply->str : m_ctx->errstr);
            if (reply)
                freeReplyObject(reply);
            return false;
        }
        freeReplyObject(reply);
    }
    return true;
}

void RedisSink::append(const std::vector<std::string> &argv)
{
    std::vector<const char *> a;
    std::vector<size_t> l;
    a.reserve(argv.size());
    l.reserve(argv.size());
    for (const auto &s : argv) {
        a.push_back(s.data());
        l.push_back(s.size());
    }
    redisAppendCommandArgv(m_ctx, static_cast<int>(a.size()), a.data(), l.data());
    ++m_pending;
}

bool RedisSink::write(const std::vector<SimRecord> &records)
{
    if (!m_ctx)
        return false;
    for (const SimRecord &r : records) {
        std::vector<std::string> argv;
        switch (r.op) {
        case SimRecord::Op::PgRow:
            continue;
        case SimRecord::Op::HashSet:
            argv = {"HSET", r.key};
            // Redis has no NULL: an absent optional field is simply not written.
            for (const auto &kv : r.fields) {
                if (kv.second) {
                    argv.push_back(kv.first);
                    argv.push_back(*kv.second);
                }
            }
            break;
        case SimRecord::Op::StreamAdd:
            argv = {"XADD", r.key};
            if (r.maxLen > 0) {
                argv.insert(argv.end(), {"MAXLEN", "~", std::to_string(r.maxLen)});
            }
            argv.push_back(r.id.empty() ? std::string("*") : r.id);
            for (const auto &kv : r.fields) {
                if (kv.second) {
                    argv.push_back(kv.first);
                    argv.push_back(*kv.second);
                }
            }
            ++m_streamEntries;
            break;
        case SimRecord::Op::StringSet:
            argv = {"SET", r.key, r.payload};
            if (r.ttlMs > 0)
                argv.insert(argv.end(), {"PX", std::to_string(r.ttlMs)});
            break;
        case SimRecord::Op::ZAdd: {
            char score[32];
            std::snprintf(score, sizeof score, "%.0f", r.score);
            argv = {"ZADD", r.key, score, r.id};
            break;
        }
        case SimRecord::Op::ZRemBelow: {
            char score[32];
            std::snprintf(score, sizeof score, "(%.0f", r.score);
            argv = {"ZREMRANGEBYSCORE", r.key, "-inf", score};
            break;
        }
        case SimRecord::Op::Publish:
            argv = {"PUBLISH", r.key, r.payload};
            break;
        }
        append(argv);
        if (r.op == SimRecord::Op::HashSet && r.ttlMs > 0)
            append({"PEXPIRE", r.key, std::to_string(r.ttlMs)});
    }
    while (m_pending > 0) {
        void *raw = nullptr;
        if (redisGetReply(m_ctx, &raw) != REDIS_OK) {
            ++m_errors;
            m_samples.push_back(std::string("connection: ") + m_ctx->errstr);
            return false;
        }
        auto *reply = static_cast<redisReply *>(raw);
        if (reply->type == REDIS_REPLY_ERROR) {
            ++m_errors;
            if (m_samples.size() < 5)
                m_samples.emplace_back(reply->str, reply->len);
        }
        freeReplyObject(reply);
        --m_pending;
        ++m_commands;
    }
    return true;
}

} // namespace switchboard::sim
