#include "core/services/SecretStore.h"

#include <qt6keychain/keychain.h>

namespace switchboard {

SecretStore::SecretStore(const QString &service, QObject *parent)
    : QObject(parent)
    , m_service(service)
{ }

QString SecretStore::keyFor(const QString &profile, Secret secret)
{
    switch (secret) {
    case Secret::RedisPassword:
        return profile + QStringLiteral("/redis");
    case Secret::SentinelPassword:
        return profile + QStringLiteral("/sentinel");
    case Secret::PostgresPassword:
        return profile + QStringLiteral("/postgres");
    }
    return profile;
}

std::optional<QString> SecretStore::fromEnvironment(Secret secret)
{
    const char *name = nullptr;
    switch (secret) {
    case Secret::RedisPassword:
        name = "SWITCHBOARD_REDIS_PASSWORD";
        break;
    case Secret::SentinelPassword:
        name = "SWITCHBOARD_SENTINEL_PASSWORD";
        break;
    case Secret::PostgresPassword:
        name = "PGPASSWORD";
        break;
    }
    if (!qEnvironmentVariableIsSet(name))
        return std::nullopt;
    return qEnvironmentVariable(name);
}

void SecretStore::read(const QString &profile, Secret secret, QObject *context, ReadCallback done)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(keyFor(profile, secret));
    QPointer<QObject> guard(context);
    connect(job, &QKeychain::Job::finished, this, [guard, done, secret](QKeychain::Job *j) {
        if (!guard)
            return;
        auto *readJob = static_cast<QKeychain::ReadPasswordJob *>(j);
        if (j->error() == QKeychain::NoError) {
            done(readJob->textData(), QString());
            return;
        }
        // The keychain has nothing, or there is no keychain (a headless box): the
        // environment is the next place, and the caller asks the user after that.
        if (auto env = fromEnvironment(secret)) {
            done(env, QString());
            return;
        }
        done(std::nullopt,
             j->error() == QKeychain::EntryNotFound
                 ? QString()
                 : QStringLiteral("keychain: %1").arg(j->errorString()));
    });
    job->start();
}

void SecretStore::write(const QString &profile, Secret secret, const QString &value,
                        QObject *context, WriteCallback done)
{
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(keyFor(profile, secret));
    job->setTextData(value);
    QPointer<QObject> guard(context);
    connect(job, &QKeychain::Job::finished, this, [guard, done](QKeychain::Job *j) {
        if (!guard)
            return;
        if (j->error() == QKeychain::NoError)
            done(true, QString());
        else
            done(false,
                 QStringLiteral("keychain: %1 (the password was not stored; "
                                "set it in the environment or enter it when asked)")
                     .arg(j->errorString()));
    });
    job->start();
}

void SecretStore::remove(const QString &profile, Secret secret, QObject *context,
                         WriteCallback done)
{
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(keyFor(profile, secret));
    QPointer<QObject> guard(context);
    connect(job, &QKeychain::Job::finished, this, [guard, done](QKeychain::Job *j) {
        if (!guard)
            return;
        const bool ok = j->error() == QKeychain::NoError || j->error() == QKeychain::EntryNotFound;
        done(ok, ok ? QString() : QStringLiteral("keychain: %1").arg(j->errorString()));
    });
    job->start();
}

} // namespace switchboard
