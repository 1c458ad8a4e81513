#include "app/PromptsFeature.h"

#include "app/MainWindow.h"
#include "core/services/PostgresBackend.h"
#include "core/services/RedisBackend.h"
#include "widgets/PromptsView.h"

#include <QSysInfo>

namespace switchboard {

PromptsFeature::PromptsFeature(MainWindow &window, ConnectionProfile profile, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_profile(std::move(profile))
{ }

PromptsFeature::~PromptsFeature()
{
    if (m_view)
        m_view->shutdown();
}

void PromptsFeature::attachPostgres(PostgresBackend *postgres)
{
    if (m_view) // a new connection (password asked again): a fresh view for it
        m_view->shutdown();
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
    if (m_view)
        m_view->setRedis(redis->client());
}

PromptsView *PromptsFeature::view() const
{
    return m_view;
}

void PromptsFeature::install()
{
    m_view = new PromptsView(m_postgres->pool(), m_redis ? m_redis->client() : nullptr,
                             Keys(m_profile.keyNamespace.toUtf8()), m_profile.operatorName,
                             QSysInfo::machineHostName());
    m_window.setViewWidget(MainWindow::Prompts, m_view);
    m_view->start();
}

} // namespace switchboard
