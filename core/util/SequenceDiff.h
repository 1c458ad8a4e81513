#pragma once
// Myers' O(ND) difference algorithm in linear space (the "middle snake" bisection), over
// sequences of integer tokens. Written here rather than pulled in: the console diffs prompt
// versions (lines, then words inside changed lines) and needs nothing else from a library.
// Common prefixes and suffixes are stripped first, so the usual "small edit in a big
// prompt" costs little more than one pass over both texts.
#include <QVector>

namespace switchboard {

struct DiffOp
{
    enum Kind { Equal, Delete, Insert };
    Kind kind = Equal;
    int oldStart = 0; // index into the old sequence
    int newStart = 0; // index into the new sequence
    int count = 0; // tokens covered (old tokens for Delete, new for Insert, both for Equal)

    bool operator==(const DiffOp &o) const
    {
        return kind == o.kind && oldStart == o.oldStart && newStart == o.newStart
            && count == o.count;
    }
};

class SequenceDiff
{
public:
    // The shortest edit script turning a into b, as runs in order; adjacent runs of one
    // kind are merged, and within a change the Delete run comes before the Insert run.
    static QVector<DiffOp> diff(const QVector<quint32> &a, const QVector<quint32> &b);
};

} // namespace switchboard
