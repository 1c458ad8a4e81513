#include "core/services/PostgresBackend.h"

#include "core/pg/Migrator.h"
#include "core/pg/PgPool.h"

#include <QDateTime>

#include <algorithm>
#include <pqxx/pqxx>

namespace switchboard {

namespace {
struct ProbeResult
{
    QString version;
    SchemaStatus schema;
};
// Failures that retrying cannot fix: wrong credentials, TLS verification, a missing role
// or database. Retrying those only fills the server's log; the operator must act.
bool needsOperator(const QString &message)
{
    static const char *const permanent[] = {"password authentication failed",
                                            "no pg_hba.conf entry",
                                            "TLS failure",
                                            "certificate",
                                            "does not exist",
                                            "without TLS"};
    for (const char *needle : permanent)
        if (message.contains(QLatin1String(needle), Qt::CaseInsensitive))
            return true;
    return false;
}
QString shortSchemaSummary(const SchemaStatus &schema)
{
    switch (schema.kind) {
    case SchemaStatus::Missing:
        return QStringLiteral("no Switchboard schema: run 'switchboard db migrate'");
    case SchemaStatus::Older:
        return QStringLiteral("schema v%1 is older than v%2: run 'switchboard db migrate'")
            .arg(schema.found)
            .arg(schema.expected);
    case SchemaStatus::Newer:
        return QStringLiteral("schema v%1 is newer than this build (v%2): upgrade Switchboard")
            .arg(schema.found)
            .arg(schema.expected);
    case SchemaStatus::Current:
    case SchemaStatus::Error:
        break;
    }
    return schema.message;
}
} // namespace

PostgresBackend::PostgresBackend(PgConfig config, QObject *parent)
    : QObject(parent)
    , m_endpoint(config.describe(PgTarget::Primary))
{
    m_pool = std::make_unique<PgPool>(std::move(config), 2, this);
    m_status.backend = QStringLiteral("Postgres");
    m_status.summary = QStringLiteral("not connected");
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &PostgresBackend::probe);
    m_countdown.setInterval(1000);
    connect(&m_countdown, &QTimer::timeout, this, [this] {
        const qint64 left = (m_retryAt - QDateTime::currentMSecsSinceEpoch() + 999) / 1000;
        if (left <= 0) {
            m_countdown.stop();
            return;
        }
        setStatus(BackendStatus::State::Reconnecting,
                  QStringLiteral("reconnecting in %1 s").arg(left), m_lastReason);
    });
}

PostgresBackend::~PostgresBackend() = default;

void PostgresBackend::start()
{
    setStatus(BackendStatus::State::Connecting, QStringLiteral("connecting"), m_endpoint);
    probe();
}

void PostgresBackend::setStatus(BackendStatus::State state, const QString &summary,
                                const QString &detail)
{
    m_status.state = state;
    m_status.summary = summary;
    m_status.detail = detail;
    Q_EMIT statusChanged(m_status);
}

void PostgresBackend::scheduleRetry(const QString &reason)
{
    // Backoff 2, 4, 8 … 60 s: a console left open during an outage must not hammer the
    // database it is trying to help with.
    const int delayMs = std::min(60000, 2000 << std::min(m_failures, 5));
    ++m_failures;
    m_lastReason = m_endpoint + QStringLiteral(": ") + reason;
    m_retryAt = QDateTime::currentMSecsSinceEpoch() + delayMs;
    setStatus(BackendStatus::State::Reconnecting,
              QStringLiteral("reconnecting in %1 s").arg(delayMs / 1000), m_lastReason);
    m_retry.start(delayMs);
    m_countdown.start();
}

void PostgresBackend::probe()
{
    const Migrator migrator(Migrator::embeddedMigrations());
    PgJobSpec spec;
    spec.label = QStringLiteral("connection check");
    spec.timeoutMs = 5000;
    m_pool->submit(
        spec, this,
        [migrator](pqxx::transaction_base &tx) {
            ProbeResult r;
            r.version = QString::fromStdString(
                tx.exec1("SELECT current_setting('server_version')")[0].as<std::string>());
            r.schema = migrator.check(tx);
            return r;
        },
        [this](const PgResult<ProbeResult> &result) {
            if (!result.ok()) {
                m_schemaUsable = false;
                if ((result.status.code == PgStatus::ConnectionFailed
                     || result.status.code == PgStatus::TimedOut)
                    && !needsOperator(result.status.message)) {
                    scheduleRetry(result.status.message);
                } else {
                    setStatus(BackendStatus::State::Failed,
                              QStringLiteral("failed: %1").arg(result.status.message), m_endpoint);
                }
                return;
            }
            m_failures = 0;
            m_countdown.stop();
            m_serverVersion = result.value.version;
            const SchemaStatus &schema = result.value.schema;
            const QString detail = QStringLiteral("%1\nPostgreSQL %2, round trip %3 ms\n%4")
                                       .arg(m_endpoint, m_serverVersion)
                                       .arg(result.status.elapsedMs)
                                       .arg(schema.message);
            m_schemaUsable = schema.kind == SchemaStatus::Current;
            if (m_schemaUsable)
                setStatus(BackendStatus::State::Ready,
                          QStringLiteral("ready, schema v%1").arg(schema.found), detail);
            else
                setStatus(BackendStatus::State::Degraded, shortSchemaSummary(schema), detail);
        });
}

} // namespace switchboard
