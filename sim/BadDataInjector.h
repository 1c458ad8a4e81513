#pragma once
// bad-data scenario: next to a steady share of good Redis records, writes malformed
// copies under their own fresh keys / stream ids (so a good write never overwrites a bad
// one) and remembers each with the reason a parser must reject it.
#include "sim/SimRandom.h"
#include "sim/TickContext.h"

#include <vector>

namespace switchboard::sim {

class BadDataInjector
{
public:
    BadDataInjector(const SimRandom &root, double share);
    // Appends bad records for a share of the good ones in ctx.out.
    void apply(TickContext &ctx);
    const std::vector<BadRecord> &bad() const { return m_bad; }

private:
    bool corruptHash(SimRecord &r);
    void corruptStream(SimRecord &r);

    SimRandom m_rng;
    double m_share;
    std::vector<BadRecord> m_bad;
};

} // namespace switchboard::sim
