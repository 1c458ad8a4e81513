#pragma once
// What the status bar and the views know about one backend connection, as a value.
#include <QMetaType>
#include <QString>

namespace switchboard {

struct BackendStatus
{
    enum class State {
        NotConfigured, // no URI / DSN given
        Connecting,
        Ready,
        Reconnecting, // lost, retrying by itself
        Degraded, // connected but not usable for everything (e.g. schema mismatch)
        Failed, // will not retry by itself (bad password, TLS verification)
    };

    QString backend; // "Redis", "Postgres"
    State state = State::NotConfigured;
    QString summary; // short, for the status bar: "ready", "reconnecting in 4 s"
    QString detail; // long, for the tooltip: endpoint, server version, round trip, reason

    bool usable() const { return state == State::Ready || state == State::Degraded; }
    static QString stateName(State state);
};

} // namespace switchboard

Q_DECLARE_METATYPE(switchboard::BackendStatus)
