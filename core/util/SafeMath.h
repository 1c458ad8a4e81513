#pragma once
// Arithmetic on numbers that someone else wrote: sums that saturate instead of wrapping,
// and double -> integer conversions that are defined for every input (NaN, infinities and
// out-of-range values included). A cast of an out-of-range double is undefined behaviour
// in C++; the asan preset checks for it (-fsanitize=float-cast-overflow).
#include <QtGlobal>

#include <cmath>
#include <limits>

namespace switchboard::safe {

// a + b, clamped to [min, max] of qint64 instead of wrapping.
inline qint64 add(qint64 a, qint64 b)
{
    qint64 r = 0;
    if (Q_UNLIKELY(__builtin_add_overflow(a, b, &r)))
        return b > 0 ? std::numeric_limits<qint64>::max() : std::numeric_limits<qint64>::min();
    return r;
}

// v rounded toward zero and clamped to int's range; NaN gives fallback.
inline int toInt(double v, int fallback = 0)
{
    if (std::isnan(v))
        return fallback;
    if (v >= double(std::numeric_limits<int>::max()))
        return std::numeric_limits<int>::max();
    if (v <= double(std::numeric_limits<int>::min()))
        return std::numeric_limits<int>::min();
    return int(v);
}

// v rounded toward zero and clamped to qint64's range; NaN gives fallback. (2^63 itself is
// not a qint64: the bound is the largest double below it.)
inline qint64 toInt64(double v, qint64 fallback = 0)
{
    constexpr double kMax = 9223372036854774784.0; // nextafter(2^63, 0)
    if (std::isnan(v))
        return fallback;
    if (v >= kMax)
        return std::numeric_limits<qint64>::max();
    if (v <= -kMax)
        return std::numeric_limits<qint64>::min();
    return qint64(v);
}

// A contract duration / size in a double: finite and not negative.
inline bool isFiniteNonNegative(double v)
{
    return std::isfinite(v) && v >= 0;
}

} // namespace switchboard::safe
