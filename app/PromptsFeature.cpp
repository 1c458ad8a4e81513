#include "app/PromptsFeature.h"

#include "app/MainWindow.h"
#include "core/services/PostgresBackend.h"
#include "core/services/PromptCatalog.h"
#include "core/services/RedisBackend.h"
#include "core/services/RollbackService.h"
#include "models/PromptAgentModel.h"
#include "models/PromptDeploymentModel.h"
#include "models/PromptVersionModel.h"
#include "widgets/PromptsView.h"

namespace switchboard {

PromptServices::PromptServices(PgPool *pool, RedisClient *redis, const Keys &keys,
                               const OperatorIdentity &identity, QObject *parent)
    : PromptActions(parent)
    , m_keys(keys)
    , m_catalog(new PromptCatalog(pool, this))
    , m_rollback(new RollbackService(pool, redis, keys, identity.name(), identity.host(), this))
{
    m_catalog->setRedis(redis, keys);
    connect(m_catalog, &PromptCatalog::agentsLoaded, this, &PromptActions::agentsLoaded);
    connect(m_catalog, &PromptCatalog::versionsLoaded, this, &PromptActions::versionsLoaded);
    connect(m_catalog, &PromptCatalog::deploymentsLoaded, this, &PromptActions::deploymentsLoaded);
    connect(m_catalog, &PromptCatalog::pairLoaded, this, &PromptActions::pairLoaded);
    connect(m_catalog, &PromptCatalog::metricsLoaded, this, &PromptActions::metricsLoaded);
    connect(m_catalog, &PromptCatalog::permissionsLoaded, this, &PromptActions::permissionsLoaded);
    connect(m_catalog, &PromptCatalog::unnotifiedLoaded, this, &PromptActions::unnotifiedLoaded);
    connect(m_catalog, &PromptCatalog::failed, this, &PromptActions::failed);
    connect(m_rollback, &RollbackService::deploymentsChanged, this,
            &PromptActions::deploymentsChanged);
}

void PromptServices::setRedis(RedisClient *redis)
{
    // The service reads its Redis client at each notification; a new one replaces it.
    m_rollback->setRedis(redis);
    m_catalog->setRedis(redis, m_keys);
}

void PromptServices::loadAgents()
{
    m_catalog->loadAgents();
}

void PromptServices::loadVersions(const QString &agent, qint64 beforeVersion)
{
    m_catalog->loadVersions(agent, beforeVersion);
}

void PromptServices::loadDeployments(const QString &agent, qint64 beforeId)
{
    m_catalog->loadDeployments(agent, beforeId);
}

void PromptServices::loadPair(const QString &agent, qint64 oldVersion, qint64 newVersion)
{
    m_catalog->loadPair(agent, oldVersion, newVersion);
}

void PromptServices::loadMetrics(const QString &agent)
{
    m_catalog->loadMetrics(agent);
}

void PromptServices::loadPermissions()
{
    m_catalog->loadPermissions();
}

void PromptServices::loadUnnotified()
{
    m_catalog->loadUnnotified();
}

void PromptServices::rollback(const RollbackRequest &request, Done done)
{
    m_rollback->rollback(request, std::move(done));
}

void PromptServices::renotify(qint64 deploymentId, Done done)
{
    m_rollback->renotify(deploymentId, std::move(done));
}

PromptsFeature::PromptsFeature(MainWindow &window, ConnectionProfile profile, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_profile(std::move(profile))
{ }

PromptsFeature::~PromptsFeature()
{
    dropServices();
}

PromptsView *PromptsFeature::createView(PromptActions *actions)
{
    return new PromptsView(new PromptAgentModel, new PromptVersionModel, new PromptDeploymentModel,
                           actions);
}

void PromptsFeature::dropServices()
{
    if (m_view)
        m_view->shutdown();
    delete m_services; // the view, still shown until the next one, asks nothing more
    m_services = nullptr;
}

void PromptsFeature::attachPostgres(PostgresBackend *postgres)
{
    dropServices(); // a new connection (password asked again): a fresh view for it
    m_view = nullptr;
    m_postgres = postgres;
    connect(postgres, &PostgresBackend::statusChanged, this, [this, postgres] {
        if (postgres == m_postgres && postgres->schemaUsable() && !m_view)
            install();
    });
    if (postgres->schemaUsable())
        install();
}

void PromptsFeature::attachRedis(RedisBackend *redis)
{
    m_redis = redis;
    if (m_services)
        m_services->setRedis(redis->client());
}

PromptsView *PromptsFeature::view() const
{
    return m_view;
}

void PromptsFeature::install()
{
    delete m_services;
    m_services = new PromptServices(m_postgres->pool(), m_redis ? m_redis->client() : nullptr,
                                    Keys(m_profile.keyNamespace.toUtf8()),
                                    OperatorIdentity::resolve(m_profile.operatorName), this);
    m_view = createView(m_services);
    m_window.setViewWidget(MainWindow::Prompts, m_view);
    m_view->start();
}

} // namespace switchboard
