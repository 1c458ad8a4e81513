#include "sim/SimRandom.h"

#include <cmath>

namespace switchboard::sim {

namespace {
std::uint64_t splitmix(std::uint64_t &x)
{
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}
} // namespace

std::uint64_t hashLabel(const std::string &label)
{
    // FNV-1a: stable across runs and platforms (std::hash is not).
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : label) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

SimRandom::SimRandom(std::uint64_t seed)
    : m_seed(seed)
{
    std::uint64_t x = seed;
    for (auto &s : m_s)
        s = splitmix(x);
}

SimRandom SimRandom::fork(const std::string &label) const
{
    return fork(hashLabel(label));
}

SimRandom SimRandom::fork(std::uint64_t label) const
{
    std::uint64_t x = m_seed ^ (label * 0xD6E8FEB86659FD93ULL);
    return SimRandom(splitmix(x));
}

std::uint64_t SimRandom::next()
{
    const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const std::uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
}

double SimRandom::unit()
{
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::int64_t SimRandom::range(std::int64_t lo, std::int64_t hi)
{
    if (hi <= lo)
        return lo;
    const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(next() % span);
}

bool SimRandom::chance(double p)
{
    return unit() < p;
}

double SimRandom::normal(double mean, double sd)
{
    const double u1 = std::max(unit(), 1e-12);
    const double u2 = unit();
    double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    z = std::max(-6.0, std::min(6.0, z));
    return mean + sd * z;
}

std::int64_t SimRandom::logNormalInt(double median, double sigma, std::int64_t lo, std::int64_t hi)
{
    const double v = median * std::exp(normal(0.0, sigma));
    const auto n = static_cast<std::int64_t>(std::llround(v));
    return std::max(lo, std::min(hi, n));
}

std::string SimRandom::hex(int chars)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(static_cast<std::size_t>(chars));
    std::uint64_t bits = 0;
    int left = 0;
    for (int i = 0; i < chars; ++i) {
        if (left == 0) {
            bits = next();
            left = 16;
        }
        out.push_back(digits[bits & 0xF]);
        bits >>= 4;
        --left;
    }
    return out;
}

} // namespace switchboard::sim
