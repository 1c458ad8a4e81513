#include "core/services/BackendStatus.h"

namespace switchboard {

QString BackendStatus::stateName(State state)
{
    switch (state) {
    case State::NotConfigured:
        return QStringLiteral("not configured");
    case State::Connecting:
        return QStringLiteral("connecting");
    case State::Ready:
        return QStringLiteral("ready");
    case State::Reconnecting:
        return QStringLiteral("reconnecting");
    case State::Degraded:
        return QStringLiteral("degraded");
    case State::Failed:
        return QStringLiteral("failed");
    }
    return QStringLiteral("unknown");
}

} // namespace switchboard
