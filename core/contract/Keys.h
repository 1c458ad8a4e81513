#pragma once
// Every Redis key and channel name of the contract (docs/contract.md), built from one
// namespace so no caller ever concatenates a key by hand.
#include <QByteArray>
#include <QString>

namespace switchboard {

class Keys
{
public:
    static QByteArray defaultNamespace() { return QByteArrayLiteral("agentops:"); }

    explicit Keys(QByteArray ns = defaultNamespace());

    const QByteArray &ns() const { return m_ns; }

    // Processes (bridge writes).
    QByteArray proc(const QString &host, const QString &app, int pmId) const; // hash
    QByteArray procs() const; // zset
    QByteArray procEvents() const; // stream
    // The member of procs() for one process: "{host}:{app}:{pm_id}".
    static QByteArray procMember(const QString &host, const QString &app, int pmId);

    // Sessions (agents write).
    QByteArray session(const QString &id) const; // hash
    QByteArray sessions() const; // zset
    QByteArray sessionCtx(const QString &id) const; // string (JSON)

    // Recovery events (agents write).
    QByteArray recoveryEvents() const; // stream

    // Control (console writes commands, bridge writes results).
    QByteArray control(const QString &host) const; // stream
    QByteArray controlResults() const; // stream
    static QByteArray controlGroup() { return QByteArrayLiteral("bridge"); }

    // Prompts (console writes on rollback; agents read).
    QByteArray prompt(const QString &agent) const; // hash
    QByteArray promptActivated() const; // pub/sub channel

private:
    QByteArray m_ns;
};

} // namespace switchboard
