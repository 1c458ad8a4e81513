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

bool isStreamId(const QByteArray &id)
{
    const qsizetype dash = id.indexOf('-');
    if (dash <= 0 || dash + 1 >= id.size() || id.size() > 41)
        return false;
    for (qsizetype i = 0; i < id.size(); ++i) {
        if (i != dash && (id.at(i) < '0' || id.at(i) > '9'))
            return false;
    }
    return true;
}

} // namespace switchboard
