#include "app/RollbackCommand.h"

#include "app/ConsoleController.h"
#include "core/contract/Keys.h"
#include "core/pg/PgPool.h"
#include "core/redis/RedisClient.h"
#include "core/services/PromptQueries.h"
#include "core/services/RedisBackend.h"
#include "core/services/RollbackService.h"
#include "core/services/SecretStore.h"
#include "core/util/OperatorIdentity.h"

#include <QDateTime>
#include <QEventLoop>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <optional>

namespace switchboard {

namespace {
void out(const QString &text)
{
    std::printf("%s\n", text.toLocal8Bit().constData());
    std::fflush(stdout);
}
void err(const QString &text)
{
    std::fprintf(stderr, "switchboard: %s\n", text.toLocal8Bit().constData());
}

int exitFor(RollbackOutcome::Code code)
{
    switch (code) {
    case RollbackOutcome::Notified:
        return RollbackNotified;
    case RollbackOutcome::NotNotified:
        return RollbackNotNotified;
    case RollbackOutcome::Raced:
        return RollbackRaced;
    case RollbackOutcome::FailedEval:
        return RollbackFailedEval;
    case RollbackOutcome::NoPermission:
        return RollbackNoPermission;
    case RollbackOutcome::Refused:
        return RollbackRefused;
    case RollbackOutcome::DatabaseError:
        break;
    }
    return RollbackDatabaseError;
}

// Runs the event loop until done is set (the pool and Redis answer on this thread).
template<typename T> void waitFor(const std::optional<T> &value)
{
    QEventLoop loop;
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, &loop, [&] {
        if (value)
            loop.quit();
    });
    tick.start(5);
    loop.exec();
}
} // namespace

int runRollbackCommand(const AppOptions &options)
{
    QString error;
    const ConnectionProfile profile = ConsoleController::profileFor(options, &error);
    if (!error.isEmpty()) {
        err(error);
        return RollbackUsage;
    }
    if (profile.pgDsn.isEmpty()) {
        err(QStringLiteral("no Postgres DSN: give --pg or a profile that has one"));
        return RollbackUsage;
    }
    if (profile.operatorName.trimmed().isEmpty()) {
        err(QStringLiteral("no operator name: give --operator (recorded in the audit log)"));
        return RollbackUsage;
    }
    if (!qEnvironmentVariableIsSet("PGAPPNAME"))
        qputenv("PGAPPNAME", "switchboard");
    // libpq reads PGPASSWORD and ~/.pgpass itself; the Redis password comes from the URI
    // or SWITCHBOARD_REDIS_PASSWORD (no keychain prompt on a headless box).
    PgPool pool(PgConfig(profile.pgDsn), 1);
    std::unique_ptr<RedisClient> redis;
    if (!profile.redisUri.isEmpty() || !profile.sentinels.isEmpty()) {
        QString uriPassword;
        ConnectionProfile redisProfile = profile;
        redisProfile.redisUri = ConnectionProfile::stripPassword(profile.redisUri, &uriPassword);
        if (uriPassword.isEmpty())
            uriPassword = SecretStore::fromEnvironment(SecretStore::Secret::RedisPassword)
                              .value_or(QString());
        auto redisOptions = RedisBackend::optionsFor(redisProfile, uriPassword, &error);
        if (!redisOptions) {
            err(QStringLiteral("Redis: %1").arg(error));
            return RollbackUsage;
        }
        redisOptions->autoReconnect = false;
        redis = std::make_unique<RedisClient>(*redisOptions);
        redis->open();
    }

    // What the operator "saw": the deployment active right now, unless one was given.
    qint64 expected = options.expectDeployment;
    if (expected < 0) {
        std::optional<PgResult<std::optional<PromptDeploymentRow>>> current;
        PgJobSpec spec;
        spec.label = QStringLiteral("latest deployment of %1").arg(options.agent);
        const QString agent = options.agent;
        pool.submit(
            spec, &pool,
            [agent](pqxx::transaction_base &tx) {
                return PromptQueries::latestDeployment(tx, agent);
            },
            [&current](PgResult<std::optional<PromptDeploymentRow>> r) { current = std::move(r); });
        waitFor(current);
        if (!current->ok()) {
            err(QStringLiteral("not rolled back (nothing changed): %1")
                    .arg(current->status.message));
            return RollbackDatabaseError;
        }
        expected = current->value ? current->value->deployment.id : 0;
        if (current->value) {
            const PromptDeployment &d = current->value->deployment;
            out(QStringLiteral("current: %1 version %2 (deployment #%3 by %4 at %5)")
                    .arg(options.agent)
                    .arg(d.version)
                    .arg(d.id)
                    .arg(deployedByText(d.deployedBy, d.dbRole),
                         QDateTime::fromMSecsSinceEpoch(d.deployedAt, Qt::UTC)
                             .toString(Qt::ISODateWithMs)));
        } else {
            out(QStringLiteral("current: %1 has no deployment").arg(options.agent));
        }
    }

    const OperatorIdentity identity = OperatorIdentity::resolve(profile.operatorName);
    RollbackService service(&pool, redis.get(), Keys(profile.keyNamespace.toUtf8()),
                            identity.name(), identity.host());
    RollbackRequest request;
    request.agent = options.agent;
    request.targetVersion = options.toVersion;
    request.expectedDeploymentId = expected;
    request.reason = options.reason;
    request.overrideEval = options.overrideFailedEval;
    request.overrideReason = options.overrideReason;
    std::optional<RollbackOutcome> outcome;
    service.rollback(request, [&outcome](const RollbackOutcome &o) { outcome = o; });
    waitFor(outcome);
    if (outcome->code == RollbackOutcome::Notified)
        out(outcome->message);
    else if (outcome->committed())
        out(outcome->message); // committed: stdout, the exit status says "not notified"
    else
        err(outcome->message);
    return exitFor(outcome->code);
}

} // namespace switchboard
