#pragma once
// Plain values of one reload / restart as the console follows it: what was asked, and
// where it stands (ControlChannel emits a new ControlProgress at every step).
#include "core/contract/Enums.h"

#include <QMetaType>
#include <QString>

#include <optional>

namespace switchboard {

struct ProcessActionRequest
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
    ProcessActionRequest request;
    Phase phase = Phase::Auditing;
    // "writing audit row", "sent", "received", "running", "succeeded", "failed",
    // "expired", "rejected", "no answer", "unknown" (the XADD reply was lost), "not sent".
    QString state;
    QString message; // the bridge's / PM2's / the database's words
    std::optional<qint64> auditId;
    // Who acted: the operator's display name and the database role the server stamped on
    // the request row (agentops.operator_actions.db_role; empty on a pre-v2 server).
    QString operatorName;
    QString dbRole;
    qint64 startedAtMs = 0; // local clock, for display
    qint64 updatedAtMs = 0;
    // The command's own times (Redis server time, ServerClock): 0 until it was sent.
    qint64 requestedAtMs = 0;
    qint64 expiresAtMs = 0;
    bool succeeded = false; // only meaningful when phase == Done
    // A final state the console gave itself ("no answer", "unknown" after the wait):
    // a final report from the bridge that comes later still replaces it, and is audited.
    bool provisional = false;
    bool late = false; // the final state came after the console had stopped waiting
    bool isFinal() const { return phase == Phase::Done; }
    // "alice (db: ops_alice)": the display name and the server's role; the name alone when
    // the role is not known.
    QString actedBy() const;
};

// Whether this console may send commands: Postgres EXECUTE on agentops.request_action
// (the audit row) and the Redis ACL for XADD on the control streams.
struct ControlPermission
{
    bool probed = false;
    bool allowed = false;
    QString reason; // why not, or what could not be checked
};

} // namespace switchboard

Q_DECLARE_METATYPE(switchboard::ControlProgress)
