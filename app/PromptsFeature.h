#pragma once
// Puts the prompts view into the window once Postgres is reachable with a usable schema,
// and hands it the Redis client (for notifying agents) whenever there is one. Owned by
// ConsoleController; when it goes (profile switch), the view stops asking.
#include "core/services/ConnectionProfile.h"

#include <QObject>
#include <QPointer>

namespace switchboard {

class MainWindow;
class PostgresBackend;
class PromptsView;
class RedisBackend;

class PromptsFeature : public QObject
{
    Q_OBJECT
public:
    PromptsFeature(MainWindow &window, ConnectionProfile profile, QObject *parent = nullptr);
    ~PromptsFeature() override;

    void attachPostgres(PostgresBackend *postgres);
    void attachRedis(RedisBackend *redis);
    PromptsView *view() const;

private:
    void install();

    MainWindow &m_window;
    ConnectionProfile m_profile;
    QPointer<PostgresBackend> m_postgres;
    QPointer<RedisBackend> m_redis;
    QPointer<PromptsView> m_view;
};

} // namespace switchboard
