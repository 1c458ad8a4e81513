#include "core/pg/PgTypes.h"

namespace switchboard {

QString PgConnectionState::text() const
{
    switch (kind) {
    case Idle:
        return QStringLiteral("not connected");
    case Connecting:
        return QStringLiteral("connecting");
    case Ready:
        return QStringLiteral("ready");
    case Failed:
        return QStringLiteral("failed: %1").arg(reason);
    }
    return {};
}

} // namespace switchboard
