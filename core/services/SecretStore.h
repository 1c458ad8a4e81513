#pragma once
// Passwords for a profile: the system keychain (QtKeychain, asynchronous), else the
// environment. Never a plain-text file: QtKeychain's insecure fallback stays off.
// Postgres passwords may also come from ~/.pgpass or PGPASSWORD, which libpq reads itself.
#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

namespace switchboard {

class SecretStore : public QObject
{
    Q_OBJECT
public:
    enum class Secret { RedisPassword, SentinelPassword, PostgresPassword };

    explicit SecretStore(const QString &service = QStringLiteral("switchboard"),
                         QObject *parent = nullptr);

    using ReadCallback = std::function<void(std::optional<QString> value, QString error)>;
    using WriteCallback = std::function<void(bool ok, QString error)>;

    // The callback runs on this object's thread unless context is destroyed first.
    void read(const QString &profile, Secret secret, QObject *context, ReadCallback done);
    void write(const QString &profile, Secret secret, const QString &value, QObject *context,
               WriteCallback done);
    void remove(const QString &profile, Secret secret, QObject *context, WriteCallback done);

    // SWITCHBOARD_REDIS_PASSWORD, SWITCHBOARD_SENTINEL_PASSWORD, PGPASSWORD.
    static std::optional<QString> fromEnvironment(Secret secret);
    static QString keyFor(const QString &profile, Secret secret);

private:
    QString m_service;
};

} // namespace switchboard
