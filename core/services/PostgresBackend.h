#pragma once
// The console's Postgres: a PgPool plus what the status bar needs to know about it —
// reachable or not, the server version, the round trip, and whether the schema is one
// this build understands. A schema mismatch leaves the pool up but schemaUsable() false,
// so views that read Postgres stay in their empty state and no action is offered.
#include "core/pg/PgConfig.h"
#include "core/pg/PgTypes.h"
#include "core/services/BackendStatus.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace switchboard {

class PgPool;

class PostgresBackend : public QObject
{
    Q_OBJECT
public:
    explicit PostgresBackend(PgConfig config, QObject *parent = nullptr);
    ~PostgresBackend() override;

    void start(); // first probe now, then re-probe on failures
    PgPool *pool() const { return m_pool.get(); }
    const BackendStatus &status() const { return m_status; }
    bool schemaUsable() const { return m_schemaUsable; }
    QString serverVersion() const { return m_serverVersion; }

Q_SIGNALS:
    void statusChanged(const switchboard::BackendStatus &status);

private:
    void probe();
    void setStatus(BackendStatus::State state, const QString &summary, const QString &detail);
    void scheduleRetry(const QString &reason);

    std::unique_ptr<PgPool> m_pool;
    BackendStatus m_status;
    QTimer m_retry;
    QTimer m_countdown;
    int m_failures = 0;
    qint64 m_retryAt = 0;
    QString m_lastReason;
    bool m_schemaUsable = false;
    QString m_serverVersion;
    QString m_endpoint;
};

} // namespace switchboard
