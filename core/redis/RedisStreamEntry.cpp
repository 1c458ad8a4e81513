#include "core/redis/RedisStreamEntry.h"

#include <utility>

namespace switchboard {

namespace {
std::pair<quint64, quint64> splitId(const QByteArray &id)
{
    const qsizetype dash = id.indexOf('-');
    if (dash < 0)
        return {id.toULongLong(), 0};
    return {id.left(dash).toULongLong(), id.mid(dash + 1).toULongLong()};
}
} // namespace

int compareStreamIds(const QByteArray &a, const QByteArray &b)
{
    const auto x = splitId(a);
    const auto y = splitId(b);
    return x < y ? -1 : (y < x ? 1 : 0);
}

} // namespace switchboard
