#include "app/ProcessesFeature.h"

#include "app/MainWindow.h"
#include "core/contract/Keys.h"
#include "core/redis/ServerClock.h"
#include "core/services/ControlChannel.h"
#include "core/services/IndexDeltaPoller.h"
#include "core/services/PostgresBackend.h"
#include "core/services/ProcessEventLog.h"
#include "core/services/ProcsPollerOptions.h"
#include "core/services/RedisBackend.h"
#include "core/util/OperatorIdentity.h"
#include "models/ProcessTreeModel.h"
#include "widgets/ProcessesView.h"

#include <QDateTime>
#include <QPointer>

namespace switchboard {

void ProcessServices::setEventLog(ProcessEventLog *log)
{
    if (m_log)
        disconnect(m_log, nullptr, this, nullptr);
    m_log = log;
    if (log)
        connect(log, &ProcessEventLog::appended, this, &ProcessActions::eventsAppended);
    Q_EMIT eventsReset();
}

void ProcessServices::setControl(ControlChannel *control)
{
    if (m_control)
        disconnect(m_control, nullptr, this, nullptr);
    m_control = control;
    if (control) {
        connect(control, &ControlChannel::permissionChanged, this,
                &ProcessActions::permissionChanged);
        connect(control, &ControlChannel::progress, this, &ProcessActions::progress);
    }
    Q_EMIT permissionChanged(permission());
}

bool ProcessServices::canControl() const
{
    return m_control;
}

ControlPermission ProcessServices::permission() const
{
    return m_control ? m_control->permission() : ControlPermission();
}

int ProcessServices::request(const ProcessActionRequest &request)
{
    return m_control ? m_control->request(request) : 0;
}

QVector<LoggedProcessEvent> ProcessServices::eventsFor(const QString &host, const QString &app,
                                                       int max) const
{
    return m_log ? m_log->eventsFor(host, app, max) : QVector<LoggedProcessEvent>();
}

ProcessesFeature::ProcessesFeature(const ConnectionProfile &profile, MainWindow &window,
                                   QObject *parent)
    : QObject(parent)
    , m_profile(profile)
    , m_services(new ProcessServices(this))
    , m_model(new ProcessTreeModel)
    , m_view(new ProcessesView(m_model, m_services))
{
    m_view->setNote(QStringLiteral("Waiting for Redis…"));
    window.setViewWidget(MainWindow::Processes, m_view);
}

ProcessesFeature::~ProcessesFeature() = default;

void ProcessesFeature::setRedis(RedisBackend *redis, const RedisConnectionOptions &options)
{
    m_services->setEventLog(nullptr);
    m_services->setControl(nullptr);
    delete m_poller;
    delete m_log;
    delete m_control;
    m_poller = nullptr;
    m_log = nullptr;
    m_control = nullptr;
    m_model->setClock([] { return QDateTime::currentMSecsSinceEpoch(); });
    m_clock = nullptr; // the backend's: it goes with it
    m_redis = redis;
    m_redisOptions = options;
    if (!redis)
        return;
    const Keys keys(m_profile.keyNamespace.toUtf8());
    // One clock: heartbeat ages, "silent since" and command times are judged against the
    // Redis server's TIME, not this machine's clock.
    m_clock = redis->clock();
    m_model->setClock([clock = m_clock] { return clock->nowMs(); });
    IndexDeltaPoller::Options pollerOptions = procsPollerOptions(keys);
    pollerOptions.nowMs = [clock = QPointer<ServerClock>(m_clock)] {
        return clock ? clock->nowMs() : QDateTime::currentMSecsSinceEpoch();
    };
    m_poller = new IndexDeltaPoller(redis->client(), std::move(pollerOptions), this);
    connect(m_poller, &IndexDeltaPoller::delta, m_model, &ProcessTreeModel::applyDelta);
    connect(m_poller, &IndexDeltaPoller::delta, m_view, [this] { m_view->setNote({}); });
    connect(m_poller, &IndexDeltaPoller::failed, m_view, [this](const QString &message) {
        m_view->setNote(QStringLiteral("Process list not refreshed: %1").arg(message));
    });
    connect(m_view, &ProcessesView::priorityMembersChanged, m_poller,
            &IndexDeltaPoller::setPriorityMembers);
    m_log = new ProcessEventLog(redis->client(), options, keys.procEvents(), 5000, this);
    // A PM2 event says the process changed: re-read its hash on the next poll.
    connect(m_log, &ProcessEventLog::appended, m_poller,
            [this](const QVector<LoggedProcessEvent> &events) {
                for (const LoggedProcessEvent &e : events)
                    m_poller->markDirty(
                        Keys::procMember(e.event.host, e.event.app, int(e.event.pmId)));
            });
    connect(m_log, &ProcessEventLog::appended, m_model, &ProcessTreeModel::addEvents);
    m_services->setEventLog(m_log);
    m_poller->start();
    m_log->start();
    maybeStartControl();
}

void ProcessesFeature::setPostgres(PostgresBackend *postgres)
{
    m_services->setControl(nullptr);
    delete m_control; // it holds the old pool
    m_control = nullptr;
    m_postgres = postgres;
    maybeStartControl();
}

void ProcessesFeature::maybeStartControl()
{
    if (!m_redis || !m_postgres || m_control)
        return;
    ControlChannel::Options o;
    const OperatorIdentity identity = OperatorIdentity::resolve(m_profile.operatorName);
    o.operatorName = identity.name();
    o.clientHost = identity.host();
    o.clock = m_clock;
    m_control = new ControlChannel(m_redis->client(), m_redisOptions, m_postgres->pool(),
                                   Keys(m_profile.keyNamespace.toUtf8()), o, this);
    m_services->setControl(m_control);
    m_control->probePermissions();
}

} // namespace switchboard
