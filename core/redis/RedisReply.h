#pragma once
#include <QByteArray>
#include <QList>
#include <QString>

struct redisReply;

namespace switchboard {

// One Redis reply as a plain value, copied out of hiredis at once so nothing outlives
// the reader's memory. Errors are either the server's ("WRONGTYPE ...") or made by the
// client ("timed out after 500 ms", "connection lost: ..."): isLocalError() tells them apart.
class RedisReply
{
public:
    enum class Type { Nil, Status, Error, Integer, String, Array };

    RedisReply() = default;
    static RedisReply fromHiredis(const redisReply *reply);
    static RedisReply localError(const QString &message);
    static RedisReply string(const QByteArray &bytes);

    Type type() const { return m_type; }
    bool isNil() const { return m_type == Type::Nil; }
    bool isError() const { return m_type == Type::Error; }
    bool isLocalError() const { return m_type == Type::Error && m_local; }
    bool isStatus() const { return m_type == Type::Status; }
    bool isString() const { return m_type == Type::String; }
    bool isInteger() const { return m_type == Type::Integer; }
    bool isArray() const { return m_type == Type::Array; }

    // Bytes of a String, Status or Error reply.
    const QByteArray &data() const { return m_data; }
    qint64 integer() const { return m_integer; }
    const QList<RedisReply> &elements() const { return m_elements; }
    qsizetype size() const { return m_elements.size(); }
    const RedisReply &at(qsizetype i) const { return m_elements.at(i); }

    QString errorMessage() const { return isError() ? QString::fromUtf8(m_data) : QString(); }
    // Short human-readable rendering for logs and test failures.
    QString toDebugText() const;

private:
    Type m_type = Type::Nil;
    bool m_local = false;
    qint64 m_integer = 0;
    QByteArray m_data;
    QList<RedisReply> m_elements;
};

} // namespace switchboard
