#pragma once
// The delta poller's options for `N procs`, shared by the processes view
// (app/ProcessesFeature) and bench/procs so the bench measures what the app runs.
#include "core/contract/Keys.h"
#include "core/services/IndexDeltaPoller.h"

namespace switchboard {

IndexDeltaPoller::Options procsPollerOptions(const Keys &keys);

} // namespace switchboard
