#pragma once
// Deterministic random numbers for the simulator. std:: distributions differ between
// standard libraries, so every draw here is computed from raw 64-bit words (splitmix64
// seeding + xoshiro256**) to keep "same seed, same records" true everywhere.
#include <cstdint>
#include <string>
#include <vector>

namespace switchboard::sim {

class SimRandom
{
public:
    explicit SimRandom(std::uint64_t seed = 1);
    // An independent stream for a named purpose ("session:17"), so adding a draw in one
    // generator never shifts the numbers another generator sees.
    SimRandom fork(const std::string &label) const;
    SimRandom fork(std::uint64_t label) const;

    std::uint64_t next();
    double unit(); // [0, 1)
    std::int64_t range(std::int64_t lo, std::int64_t hi); // [lo, hi]
    bool chance(double p);
    double normal(double mean, double sd); // Box-Muller, clamped at 6 sd
    std::int64_t logNormalInt(double median, double sigma, std::int64_t lo, std::int64_t hi);
    template<class T> const T &pick(const std::vector<T> &v)
    {
        return v[static_cast<std::size_t>(range(0, static_cast<std::int64_t>(v.size()) - 1))];
    }
    std::string hex(int chars);

private:
    std::uint64_t m_s[4];
    std::uint64_t m_seed;
};

std::uint64_t hashLabel(const std::string &label);

} // namespace switchboard::sim
