#pragma once
// The prompts view wired to the app. PromptsFeature puts the view into the window once
// Postgres is reachable with a usable schema (a fresh view for each new connection) and
// owns what it reads and writes through: PromptServices, the catalog's reads and the
// rollback service behind the view's PromptActions. Redis (for notifying agents and for
// judging "notified") is handed on whenever there is one. Owned by ConsoleController; when
// it goes (profile switch), the view stops asking.
#include "core/contract/Keys.h"
#include "core/services/ConnectionProfile.h"
#include "core/util/OperatorIdentity.h"
#include "widgets/PromptActions.h"

#include <QObject>
#include <QPointer>

namespace switchboard {

class MainWindow;
class PgPool;
class PostgresBackend;
class PromptCatalog;
class PromptsView;
class RedisBackend;
class RedisClient;
class RollbackService;

// The prompts view's data for one Postgres connection.
class PromptServices final : public PromptActions
{
    Q_OBJECT
public:
    // redis may be null (rollbacks then commit but stay unnotified; "notified" is what
    // Postgres says).
    PromptServices(PgPool *pool, RedisClient *redis, const Keys &keys,
                   const OperatorIdentity &identity, QObject *parent = nullptr);

    void setRedis(RedisClient *redis); // a new connection replaces the old one
    PromptCatalog *catalog() const { return m_catalog; }

    void loadAgents() override;
    void loadVersions(const QString &agent, qint64 beforeVersion) override;
    void loadDeployments(const QString &agent, qint64 beforeId) override;
    void loadPair(const QString &agent, qint64 oldVersion, qint64 newVersion) override;
    void loadMetrics(const QString &agent) override;
    void loadPermissions() override;
    void loadUnnotified() override;
    void rollback(const RollbackRequest &request, Done done) override;
    void renotify(qint64 deploymentId, Done done) override;

private:
    Keys m_keys;
    PromptCatalog *m_catalog;
    RollbackService *m_rollback;
};

class PromptsFeature : public QObject
{
    Q_OBJECT
public:
    PromptsFeature(MainWindow &window, ConnectionProfile profile, QObject *parent = nullptr);
    ~PromptsFeature() override;

    // A view with its models over actions (which it does not own).
    static PromptsView *createView(PromptActions *actions);

    void attachPostgres(PostgresBackend *postgres);
    void attachRedis(RedisBackend *redis);
    PromptsView *view() const;

private:
    void install();
    void dropServices();

    MainWindow &m_window;
    ConnectionProfile m_profile;
    QPointer<PostgresBackend> m_postgres;
    QPointer<RedisBackend> m_redis;
    QPointer<PromptsView> m_view;
    PromptServices *m_services = nullptr;
};

} // namespace switchboard
