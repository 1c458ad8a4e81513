#pragma once
// The audit log as the console reads it: agentops.operator_actions, newest first, a keyset
// page at a time, each action (a row without ref_id) with its latest outcome row, filtered
// by operator (display name or database role), action, target prefix, outcome and time.
// Every read runs on a PgPool worker in a read-only transaction with the pool's
// statement_timeout; a newer request supersedes an older one (JobTracker), so a slow page
// of an old filter never lands under a new one. Only the columns the list shows are read
// (reason and detail messages cut to 2 000 characters).
#include "core/types/AuditLogPage.h"

#include <QObject>
#include <QPointer>

#include <memory>

namespace pqxx {
class transaction_base;
}

namespace switchboard {

class JobTracker;
class PgPool;

namespace auditlog {
AuditLogPage fetchPage(pqxx::transaction_base &tx, const AuditFilter &filter,
                       const AuditCursor &after, int limit);
} // namespace auditlog

class AuditLog : public QObject
{
    Q_OBJECT
public:
    explicit AuditLog(QObject *parent = nullptr);
    ~AuditLog() override;

    void setPool(PgPool *pool); // nullptr: no Postgres (requests fail with a message)
    void setPageSize(int rows) { m_pageSize = qBound(10, rows, 2000); }

    // The newest page for the filter (pageLoaded with append = false), then older ones.
    void load(const AuditFilter &filter);
    void loadOlder();
    bool hasMore() const { return !m_next.isNull(); }
    bool isLoading() const { return m_loading; }
    const AuditFilter &filter() const { return m_filter; }

Q_SIGNALS:
    void pageLoaded(const std::vector<switchboard::AuditEntry> &entries, bool append, bool more);
    void failed(const QString &message);

private:
    void fetch(bool append);

    QPointer<PgPool> m_pool;
    std::unique_ptr<JobTracker> m_pages;
    AuditFilter m_filter;
    AuditCursor m_next;
    int m_pageSize = 200;
    bool m_loading = false;
};

} // namespace switchboard
