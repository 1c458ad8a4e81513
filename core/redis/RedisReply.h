#pragma once
#include <QByteArray>
#include <QList>
#include <QString>

struct redisReply;

namespace switchboard {

// One Redis reply as a plain value, copied out of hiredis at once so nothing outlives
// the reader's memory. Errors are either the server's ("WRONGTYPE ...") or made by the
// client ("timed out after 500 ms", "connection lost: ..."): isLocalError() tells them apart.
// A third kind, isOversized(): the server's answer broke a budget of the reader (the reply
// cap, the element or tree budget) and was dropped while the connection stays up. It is an
// error but not a local one (callers take those as "the connection broke, a reconnect will
// restart me"); it says what it could of where the reply broke.
class RedisReply
{
public:
    enum class Type { Nil, Status, Error, Integer, String, Array };

    RedisReply() = default;
    static RedisReply fromHiredis(const redisReply *reply);
    static RedisReply localError(const QString &message);
    static RedisReply string(const QByteArray &bytes);
    // See BoundedReplyReader::Oversized for what the parts mean.
    static RedisReply oversized(const QString &message, qint64 bytes,
                                const QList<QByteArray> &context, const QList<int> &path,
                                const QByteArray &previous);

    Type type() const { return m_type; }
    bool isNil() const { return m_type == Type::Nil; }
    bool isError() const { return m_type == Type::Error; }
    bool isLocalError() const { return m_type == Type::Error && m_local; }
    bool isOversized() const { return m_type == Type::Error && m_oversized; }
    bool isStatus() const { return m_type == Type::Status; }
    bool isString() const { return m_type == Type::String; }
    bool isInteger() const { return m_type == Type::Integer; }
    bool isArray() const { return m_type == Type::Array; }

    // Bytes of a String, Status or Error reply.
    const QByteArray &data() const { return m_data; }
    qint64 integer() const { return m_integer; }
    // (An oversized reply keeps what it knows in m_elements: not shown as elements.)
    const QList<RedisReply> &elements() const { return m_oversized ? noElements() : m_elements; }
    qsizetype size() const { return elements().size(); }
    const RedisReply &at(qsizetype i) const { return elements().at(i); }

    QString errorMessage() const { return isError() ? QString::fromUtf8(m_data) : QString(); }
    // Of an oversized reply: per array around the element that broke it, outermost first,
    // that array's first element if it is a string (XREAD: ["", key, "", entry id, ...])
    // and the index taken in it (XREAD: [stream, 1, entry, 1, field]); the element just
    // before it (a hash's field name); the size that broke it (bytes of a string,
    // elements of an array; -1: unknown).
    QList<QByteArray> oversizedContext() const;
    QList<int> oversizedPath() const;
    QByteArray oversizedPrevious() const;
    qint64 oversizedBytes() const { return isOversized() ? m_integer : -1; }
    // Short human-readable rendering for logs and test failures.
    QString toDebugText() const;

private:
    static const QList<RedisReply> &noElements();
    Type m_type = Type::Nil;
    bool m_local = false;
    bool m_oversized = false; // elements: [context (array), previous, path (array)]
    qint64 m_integer = 0;
    QByteArray m_data;
    QList<RedisReply> m_elements;
};

} // namespace switchboard
