#pragma once
// A table model over rows kept in one order by a key, refreshed by merging (hotspot's
// mergeProcesses): removed rows go with beginRemoveRows, new ones with beginInsertRows (one
// call per contiguous run), changed ones with dataChanged — never a reset, so selection and
// scroll survive a refresh. Subclasses give the order, the key equality and the columns.
#include <QAbstractTableModel>
#include <QVector>

namespace switchboard {

template<typename Row> class KeyedTableModel : public QAbstractTableModel
{
public:
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override
    {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    const Row &rowAt(int row) const { return m_rows.at(row); }
    const QVector<Row> &rows() const { return m_rows; }

    // incoming must be in the model's order. With complete = false it is a first page:
    // only existing rows up to its last key take part; rows after it are kept.
    void merge(const QVector<Row> &incoming, bool complete = true)
    {
        const int oldCount = int(m_rows.size());
        int end = oldCount; // existing rows [0, end) take part
        if (!complete && !incoming.isEmpty()) {
            end = 0;
            while (end < oldCount && !before(incoming.last(), m_rows.at(end)))
                ++end;
        }
        int i = 0, j = 0;
        const int m = int(incoming.size());
        while (i < end || j < m) {
            if (i < end && (j == m || before(m_rows.at(i), incoming.at(j)))) {
                int k = i + 1; // a run of rows no longer there
                while (k < end && (j == m || before(m_rows.at(k), incoming.at(j))))
                    ++k;
                beginRemoveRows({}, i, k - 1);
                m_rows.remove(i, k - i);
                endRemoveRows();
                end -= k - i;
            } else if (j < m && (i == end || before(incoming.at(j), m_rows.at(i)))) {
                int k = j + 1; // a run of new rows
                while (k < m && (i == end || before(incoming.at(k), m_rows.at(i))))
                    ++k;
                beginInsertRows({}, i, i + (k - j) - 1);
                for (int x = j; x < k; ++x)
                    m_rows.insert(i + (x - j), incoming.at(x));
                endInsertRows();
                i += k - j;
                end += k - j;
                j = k;
            } else {
                if (!same(m_rows.at(i), incoming.at(j))) {
                    m_rows[i] = incoming.at(j);
                    Q_EMIT dataChanged(index(i, 0), index(i, columnCount() - 1));
                }
                ++i;
                ++j;
            }
        }
    }

    // A next page: rows after the last one (keyset paging), in the model's order. Rows
    // the model already has (a page that overlaps the last one) are skipped; the rest go
    // in with one beginInsertRows, shared rather than copied when the model is empty.
    void append(const QVector<Row> &page)
    {
        qsizetype from = 0;
        while (from < page.size() && !m_rows.isEmpty() && !before(m_rows.last(), page.at(from)))
            ++from;
        if (from == page.size())
            return;
        const qsizetype count = page.size() - from;
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + count) - 1);
        if (from == 0)
            m_rows += page;
        else
            m_rows += page.mid(from);
        endInsertRows();
    }

    void clear()
    {
        if (m_rows.isEmpty())
            return;
        beginRemoveRows({}, 0, int(m_rows.size()) - 1);
        m_rows.clear();
        endRemoveRows();
    }

protected:
    // Strict order of the keys: a comes before b.
    virtual bool before(const Row &a, const Row &b) const = 0;
    // Same key and same shown values (no dataChanged needed).
    virtual bool same(const Row &a, const Row &b) const = 0;
    Row &mutableRow(int row) { return m_rows[row]; }

private:
    QVector<Row> m_rows;
};

} // namespace switchboard
