#pragma once
#include "app/AppOptions.h"

namespace switchboard {

// `switchboard rollback --agent A --to V --reason R`: the console's RollbackService without
// a window, for scripts and remote use. Prints exactly what happened. Exit status:
enum RollbackExit {
    RollbackNotified = 0, // committed and agents notified
    RollbackDatabaseError = 1, // could not run the transaction: nothing changed
    RollbackUsage = 2, // bad command line / unknown profile
    RollbackRaced = 3, // another operator changed the deployment first: nothing changed
    RollbackFailedEval = 4, // target failed / lacks its evaluation, no override: nothing changed
    RollbackNoPermission = 5, // the database refused the role: nothing changed
    RollbackRefused = 6, // unknown agent or version, already active: nothing changed
    RollbackNotNotified = 7 // committed, but Redis was not updated: retry from the console
};
int runRollbackCommand(const AppOptions &options);

} // namespace switchboard
