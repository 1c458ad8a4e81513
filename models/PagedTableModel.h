#pragma once
// A KeyedTableModel filled a page at a time (keyset paging, newest first): a first page is
// merged (a refresh keeps selection and scroll; rows past the page stay), a next page is
// appended; fetchMore asks for the page after the last row, one request at a time. The
// one base of the paged models (prompt versions, deployments); a subclass says how to
// ask (requestPageAfterLast: emit its request with its last key).
#include "models/KeyedTableModel.h"

namespace switchboard {

template<typename Row> class PagedTableModel : public KeyedTableModel<Row>
{
public:
    using KeyedTableModel<Row>::KeyedTableModel;

    // A first page (more: there are older rows) or, with append, the next one.
    void setPage(const QVector<Row> &rows, bool more, bool append)
    {
        m_requested = false;
        if (append) {
            this->append(rows);
            m_more = more;
        } else {
            this->merge(rows, !more);
            // Rows past the first page are still loaded: "more" was about the page only.
            if (!more || this->rowCount() <= rows.size())
                m_more = more;
        }
    }
    bool hasMore() const { return m_more; }

    bool canFetchMore(const QModelIndex &parent) const override
    {
        return !parent.isValid() && m_more && !m_requested;
    }
    void fetchMore(const QModelIndex &parent) override
    {
        if (!canFetchMore(parent))
            return;
        m_requested = true;
        requestPageAfterLast();
    }

protected:
    virtual void requestPageAfterLast() = 0;

private:
    bool m_more = false;
    bool m_requested = false; // a page is being fetched
};

} // namespace switchboard
