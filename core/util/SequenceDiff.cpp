#include "core/util/SequenceDiff.h"

#include <vector>

namespace switchboard {

namespace {

class Differ
{
public:
    Differ(const quint32 *a, const quint32 *b)
        : m_a(a)
        , m_b(b)
    { }

    // Diffs a[aLo, aHi) against b[bLo, bHi), appending runs to m_ops.
    void run(int aLo, int aHi, int bLo, int bHi)
    {
        int prefix = 0;
        while (aLo + prefix < aHi && bLo + prefix < bHi && m_a[aLo + prefix] == m_b[bLo + prefix])
            ++prefix;
        if (prefix)
            add(DiffOp::Equal, aLo, bLo, prefix);
        aLo += prefix;
        bLo += prefix;
        int suffix = 0;
        while (aHi - suffix > aLo && bHi - suffix > bLo
               && m_a[aHi - suffix - 1] == m_b[bHi - suffix - 1])
            ++suffix;
        const int aEnd = aHi - suffix;
        const int bEnd = bHi - suffix;
        if (aLo == aEnd) {
            if (bEnd > bLo)
                add(DiffOp::Insert, aLo, bLo, bEnd - bLo);
        } else if (bLo == bEnd) {
            add(DiffOp::Delete, aLo, bLo, aEnd - aLo);
        } else {
            bisect(aLo, aEnd, bLo, bEnd);
        }
        if (suffix)
            add(DiffOp::Equal, aEnd, bEnd, suffix);
    }

    QVector<DiffOp> take() { return std::move(m_ops); }

private:
    // Finds the middle snake of the shortest edit path and recurses on both halves.
    void bisect(int aLo, int aHi, int bLo, int bHi)
    {
        const quint32 *a = m_a + aLo;
        const quint32 *b = m_b + bLo;
        const int n = aHi - aLo;
        const int m = bHi - bLo;
        const int maxD = (n + m + 1) / 2;
        const int offset = maxD;
        const int length = 2 * maxD + 2;
        std::vector<int> v1(size_t(length), -1);
        std::vector<int> v2(size_t(length), -1);
        v1[size_t(offset + 1)] = 0;
        v2[size_t(offset + 1)] = 0;
        const int delta = n - m;
        const bool front = (delta % 2) != 0; // forward path meets the reverse one
        int k1start = 0, k1end = 0, k2start = 0, k2end = 0;
        for (int d = 0; d < maxD; ++d) {
            for (int k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
                const int k1o = offset + k1;
                int x1;
                if (k1 == -d || (k1 != d && v1[size_t(k1o - 1)] < v1[size_t(k1o + 1)]))
                    x1 = v1[size_t(k1o + 1)];
                else
                    x1 = v1[size_t(k1o - 1)] + 1;
                int y1 = x1 - k1;
                while (x1 < n && y1 < m && a[x1] == b[y1]) {
                    ++x1;
                    ++y1;
                }
                v1[size_t(k1o)] = x1;
                if (x1 > n) {
                    k1end += 2;
                } else if (y1 > m) {
                    k1start += 2;
                } else if (front) {
                    const int k2o = offset + delta - k1;
                    if (k2o >= 0 && k2o < length && v2[size_t(k2o)] != -1) {
                        if (x1 >= n - v2[size_t(k2o)]) {
                            split(aLo, aHi, bLo, bHi, x1, y1);
                            return;
                        }
                    }
                }
            }
            for (int k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
                const int k2o = offset + k2;
                int x2;
                if (k2 == -d || (k2 != d && v2[size_t(k2o - 1)] < v2[size_t(k2o + 1)]))
                    x2 = v2[size_t(k2o + 1)];
                else
                    x2 = v2[size_t(k2o - 1)] + 1;
                int y2 = x2 - k2;
                while (x2 < n && y2 < m && a[n - x2 - 1] == b[m - y2 - 1]) {
                    ++x2;
                    ++y2;
                }
                v2[size_t(k2o)] = x2;
                if (x2 > n) {
                    k2end += 2;
                } else if (y2 > m) {
                    k2start += 2;
                } else if (!front) {
                    const int k1o = offset + delta - k2;
                    if (k1o >= 0 && k1o < length && v1[size_t(k1o)] != -1) {
                        const int x1 = v1[size_t(k1o)];
                        const int y1 = offset + x1 - k1o;
                        if (x1 >= n - x2) {
                            split(aLo, aHi, bLo, bHi, x1, y1);
                            return;
                        }
                    }
                }
            }
        }
        // Nothing in common at all.
        add(DiffOp::Delete, aLo, bLo, n);
        add(DiffOp::Insert, aHi, bLo, m);
    }

    void split(int aLo, int aHi, int bLo, int bHi, int x, int y)
    {
        run(aLo, aLo + x, bLo, bLo + y);
        run(aLo + x, aHi, bLo + y, bHi);
    }

    void add(DiffOp::Kind kind, int oldStart, int newStart, int count)
    {
        if (count <= 0)
            return;
        if (!m_ops.isEmpty()) {
            DiffOp &last = m_ops.last();
            if (last.kind == kind) {
                last.count += count;
                return;
            }
            // Keep "delete, then insert" inside a change, however the halves were found.
            if (kind == DiffOp::Delete && last.kind == DiffOp::Insert) {
                const DiffOp insert = last;
                m_ops.removeLast();
                add(DiffOp::Delete, oldStart, insert.newStart, count);
                add(DiffOp::Insert, oldStart + count, insert.newStart, insert.count);
                return;
            }
        }
        m_ops.append(DiffOp {kind, oldStart, newStart, count});
    }

    const quint32 *m_a;
    const quint32 *m_b;
    QVector<DiffOp> m_ops;
};

} // namespace

QVector<DiffOp> SequenceDiff::diff(const QVector<quint32> &a, const QVector<quint32> &b)
{
    Differ differ(a.constData(), b.constData());
    differ.run(0, int(a.size()), 0, int(b.size()));
    return differ.take();
}

} // namespace switchboard
