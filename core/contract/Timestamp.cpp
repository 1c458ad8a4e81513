#include "core/contract/Timestamp.h"

#include <cstdio>
#include <limits>

namespace switchboard::timestamp {

namespace {

bool digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; ++i) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

// Howard Hinnant's days_from_civil: days since 1970-01-01 for a proleptic Gregorian date.
qint64 daysFromCivil(qint64 y, unsigned m, unsigned d)
{
    y -= m <= 2 ? 1 : 0;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + qint64(doe) - 719468;
}

void civilFromDays(qint64 z, qint64 *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = unsigned(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = qint64(yoe) + era * 400 + (*m <= 2 ? 1 : 0);
}

bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

} // namespace

std::optional<qint64> parseInteger(const QByteArray &text)
{
    const int n = int(text.size());
    if (n == 0 || n > 20)
        return std::nullopt;
    int i = 0;
    const bool neg = text[0] == '-';
    if (neg)
        i = 1;
    if (i == n)
        return std::nullopt;
    // Accumulate negatively so INT64_MIN parses too.
    qint64 v = 0;
    for (; i < n; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9')
            return std::nullopt;
        const int digit = c - '0';
        if (v < (std::numeric_limits<qint64>::min() + digit) / 10)
            return std::nullopt;
        v = v * 10 - digit;
    }
    if (!neg) {
        if (v == std::numeric_limits<qint64>::min())
            return std::nullopt;
        v = -v;
    }
    return v;
}

std::optional<qint64> parseTimestamptz(const QByteArray &text)
{
    // YYYY-MM-DD[ T]HH:MM:SS[.f+](Z|±HH[[:]MM])
    const int n = int(text.size());
    if (n < 20 || n > 40)
        return std::nullopt;
    const char *p = text.constData();
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (!digits(p, 4, &y) || p[4] != '-' || !digits(p + 5, 2, &mo) || p[7] != '-'
        || !digits(p + 8, 2, &d) || (p[10] != ' ' && p[10] != 'T') || !digits(p + 11, 2, &h)
        || p[13] != ':' || !digits(p + 14, 2, &mi) || p[16] != ':' || !digits(p + 17, 2, &s))
        return std::nullopt;
    static const int monthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > monthDays[mo - 1] + (mo == 2 && leap(y) ? 1 : 0) || h > 23
        || mi > 59 || s > 60)
        return std::nullopt;
    int i = 19;
    int ms = 0;
    if (i < n && p[i] == '.') {
        ++i;
        int nd = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            if (nd < 3)
                ms = ms * 10 + (p[i] - '0');
            ++nd;
            ++i;
        }
        if (nd == 0)
            return std::nullopt;
        for (int k = nd; k < 3; ++k)
            ms *= 10;
    }
    if (i >= n)
        return std::nullopt; // an offset is required: no guessing the zone
    int offsetMin = 0;
    if (p[i] == 'Z') {
        ++i;
    } else if (p[i] == '+' || p[i] == '-') {
        const int sign = p[i] == '-' ? -1 : 1;
        ++i;
        int oh = 0, om = 0;
        if (i + 2 > n || !digits(p + i, 2, &oh))
            return std::nullopt;
        i += 2;
        if (i < n && p[i] == ':')
            ++i;
        if (i + 2 <= n && digits(p + i, 2, &om))
            i += 2;
        if (oh > 15 || om > 59)
            return std::nullopt;
        offsetMin = sign * (oh * 60 + om);
    } else {
        return std::nullopt;
    }
    if (i != n)
        return std::nullopt;
    const qint64 days = daysFromCivil(y, unsigned(mo), unsigned(d));
    const qint64 secs = days * 86400 + h * 3600 + mi * 60 + s - qint64(offsetMin) * 60;
    return secs * 1000 + ms;
}

std::optional<qint64> parseMs(const QByteArray &text)
{
    if (auto v = parseInteger(text))
        return v;
    return parseTimestamptz(text);
}

QByteArray toTimestamptz(qint64 ms)
{
    qint64 secs = ms / 1000;
    int rem = int(ms % 1000);
    if (rem < 0) {
        rem += 1000;
        --secs;
    }
    qint64 days = secs / 86400;
    qint64 sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        --days;
    }
    qint64 y = 0;
    unsigned m = 0, d = 0;
    civilFromDays(days, &y, &m, &d);
    char buf[64];
    const int len = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02d:%02d:%02d.%03d+00",
                                  static_cast<long long>(y), m, d, int(sod / 3600),
                                  int(sod / 60 % 60), int(sod % 60), rem);
    return QByteArray(buf, len);
}

} // namespace switchboard::timestamp
