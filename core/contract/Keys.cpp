#include "core/contract/Keys.h"

#include <utility>

namespace switchboard {

Keys::Keys(QByteArray ns)
    : m_ns(std::move(ns))
{ }

QByteArray Keys::procMember(const QString &host, const QString &app, int pmId)
{
    return host.toUtf8() + ':' + app.toUtf8() + ':' + QByteArray::number(pmId);
}

QByteArray Keys::proc(const QString &host, const QString &app, int pmId) const
{
    return m_ns + QByteArrayLiteral("proc:") + procMember(host, app, pmId);
}

QByteArray Keys::procs() const
{
    return m_ns + QByteArrayLiteral("procs");
}
QByteArray Keys::procEvents() const
{
    return m_ns + QByteArrayLiteral("proc-events");
}

QByteArray Keys::session(const QString &id) const
{
    return m_ns + QByteArrayLiteral("session:") + id.toUtf8();
}

QByteArray Keys::sessions() const
{
    return m_ns + QByteArrayLiteral("sessions");
}

QByteArray Keys::sessionCtx(const QString &id) const
{
    return session(id) + QByteArrayLiteral(":ctx");
}

QByteArray Keys::recoveryEvents() const
{
    return m_ns + QByteArrayLiteral("events");
}

QByteArray Keys::control(const QString &host) const
{
    return m_ns + QByteArrayLiteral("control:") + host.toUtf8();
}

QByteArray Keys::controlResults() const
{
    return m_ns + QByteArrayLiteral("control-results");
}

QByteArray Keys::prompt(const QString &agent) const
{
    return m_ns + QByteArrayLiteral("prompt:") + agent.toUtf8();
}

QByteArray Keys::promptActivated() const
{
    return m_ns + QByteArrayLiteral("prompt-activated");
}

} // namespace switchboard
