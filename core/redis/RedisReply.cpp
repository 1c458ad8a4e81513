#include "core/redis/RedisReply.h"

#include <hiredis/hiredis.h>

namespace switchboard {

RedisReply RedisReply::fromHiredis(const redisReply *reply)
{
    RedisReply r;
    if (!reply)
        return r;
    switch (reply->type) {
    case REDIS_REPLY_STRING:
        r.m_type = Type::String;
        r.m_data = QByteArray(reply->str, static_cast<qsizetype>(reply->len));
        break;
    case REDIS_REPLY_STATUS:
        r.m_type = Type::Status;
        r.m_data = QByteArray(reply->str, static_cast<qsizetype>(reply->len));
        break;
    case REDIS_REPLY_ERROR:
        r.m_type = Type::Error;
        r.m_data = QByteArray(reply->str, static_cast<qsizetype>(reply->len));
        break;
    case REDIS_REPLY_INTEGER:
        r.m_type = Type::Integer;
        r.m_integer = reply->integer;
        break;
    case REDIS_REPLY_ARRAY:
        r.m_type = Type::Array;
        r.m_elements.reserve(static_cast<qsizetype>(reply->elements));
        for (size_t i = 0; i < reply->elements; ++i)
            r.m_elements.append(fromHiredis(reply->element[i]));
        break;
    default:
        r.m_type = Type::Nil;
        break;
    }
    return r;
}

RedisReply RedisReply::localError(const QString &message)
{
    RedisReply r;
    r.m_type = Type::Error;
    r.m_local = true;
    r.m_data = message.toUtf8();
    return r;
}

RedisReply RedisReply::oversized(const QString &message, qint64 bytes,
                                 const QList<QByteArray> &context, const QList<int> &path,
                                 const QByteArray &previous)
{
    RedisReply r;
    r.m_type = Type::Error;
    r.m_oversized = true;
    r.m_data = message.toUtf8();
    r.m_integer = bytes;
    RedisReply where;
    where.m_type = Type::Array;
    for (const QByteArray &c : context)
        where.m_elements.append(string(c));
    RedisReply indexes;
    indexes.m_type = Type::Array;
    for (int i : path) {
        RedisReply n;
        n.m_type = Type::Integer;
        n.m_integer = i;
        indexes.m_elements.append(n);
    }
    r.m_elements = {where, string(previous), indexes};
    return r;
}

const QList<RedisReply> &RedisReply::noElements()
{
    static const QList<RedisReply> none;
    return none;
}

QList<QByteArray> RedisReply::oversizedContext() const
{
    QList<QByteArray> out;
    if (isOversized() && m_elements.size() == 3) {
        for (const RedisReply &c : m_elements.at(0).m_elements)
            out.append(c.m_data);
    }
    return out;
}

QList<int> RedisReply::oversizedPath() const
{
    QList<int> out;
    if (isOversized() && m_elements.size() == 3) {
        for (const RedisReply &n : m_elements.at(2).m_elements)
            out.append(int(n.m_integer));
    }
    return out;
}

QByteArray RedisReply::oversizedPrevious() const
{
    return isOversized() && m_elements.size() == 3 ? m_elements.at(1).m_data : QByteArray();
}

RedisReply RedisReply::string(const QByteArray &bytes)
{
    RedisReply r;
    r.m_type = Type::String;
    r.m_data = bytes;
    return r;
}

QString RedisReply::toDebugText() const
{
    switch (m_type) {
    case Type::Nil:
        return QStringLiteral("(nil)");
    case Type::Status:
        return QString::fromUtf8(m_data);
    case Type::Error:
        return QStringLiteral("(error) ") + QString::fromUtf8(m_data);
    case Type::Integer:
        return QString::number(m_integer);
    case Type::String:
        return QLatin1Char('"') + QString::fromUtf8(m_data.left(200)) + QLatin1Char('"');
    case Type::Array: {
        QStringList parts;
        for (const RedisReply &e : m_elements)
            parts << e.toDebugText();
        return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
    }
    }
    return {};
}

} // namespace switchboard
