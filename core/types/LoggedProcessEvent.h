#pragma once
// One entry of the fleet's PM2 events stream (`N proc-events`) as ProcessEventLog
// (core/services) keeps it: parsed, or bad with the reason. A plain type.
#include "core/contract/ProcessEvent.h"

#include <QByteArray>
#include <QString>

namespace switchboard {

struct LoggedProcessEvent
{
    QByteArray streamId;
    ProcessEvent event; // as far as it could be read
    QString error; // non-empty: a bad entry, this is why
};

} // namespace switchboard
