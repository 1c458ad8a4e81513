#include "sim/SimClock.h"

#include <cstdio>
#include <ctime>

namespace switchboard::sim {

namespace {
std::tm utc(std::int64_t ms)
{
    std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    std::tm t {};
    gmtime_r(&secs, &t);
    return t;
}
int millis(std::int64_t ms)
{
    return static_cast<int>(((ms % 1000) + 1000) % 1000);
}
} // namespace

std::string pgTimestamp(std::int64_t ms)
{
    const std::tm t = utc(ms);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d+00", t.tm_year + 1900,
                  t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, millis(ms));
    return buf;
}

std::string dottedStamp(std::int64_t ms)
{
    const std::tm t = utc(ms);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d%03d000Z", t.tm_year + 1900,
                  t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, millis(ms));
    return buf;
}

} // namespace switchboard::sim
