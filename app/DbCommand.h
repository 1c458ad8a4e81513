#pragma once
#include "app/AppOptions.h"

namespace switchboard {

// `switchboard db migrate|status`: blocking is fine here, there is no window.
// Prints what it did; returns 0 on success, 1 on a database error, 3 when the schema
// is not one this build understands (status only).
int runDbCommand(const AppOptions &options);

} // namespace switchboard
