#pragma once
// Plain values of one reload / restart as the console follows it: what was asked, and
// where it stands (ControlChannel emits a new ControlProgress at every step).
#include "core/contract/Enums.h"

#include <QMetaType>
#include <QString>

#include <optional>

namespace switchboard {

struct ControlRequest
{
    ControlAction action = ControlAction::Reload;
    QString host;
    QString app;
    std::optional<int> pmId; // nullopt: every instance of the app
    ExecMode execMode = ExecMode::Fork; // what the operator was told will happen
    QString reason;

    // "proc:{host}:{app}:{pm_id|all}", the audit row's target.
    QString target() const;
    // "reload sip-gateway (all instances) on demo-host"
    QString describe() const;
};

struct ControlProgress
{
    enum class Phase { Auditing, Sending, Waiting, Done };
    int actionId = 0; // this session's number for the action
    QString cmdId;
    ControlRequest request;
    Phase phase = Phase::Auditing;
    // "writing audit row", "sent", "received", "running", "succeeded", "failed",
    // "expired", "rejected", "no answer", "not sent".
    QString state;
    QString message; // the bridge's / PM2's / the database's words
    std::optional<qint64> auditId;
    qint64 startedAtMs = 0;
    qint64 updatedAtMs = 0;
    bool succeeded = false; // only meaningful when phase == Done
    bool isFinal() const { return phase == Phase::Done; }
};

// Whether this console may send commands: Postgres INSERT on operator_actions and the
// Redis ACL for XADD on the control streams.
struct ControlPermission
{
    bool probed = false;
    bool allowed = false;
    QString reason; // why not, or what could not be checked
};

} // namespace switchboard

Q_DECLARE_METATYPE(switchboard::ControlProgress)
