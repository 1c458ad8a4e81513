#pragma once
#include "app/AppOptions.h"

namespace switchboard {

// `switchboard export --session ID --html F --json F [--redact PATTERN]...`: the trace
// export without a window (TraceExporter), then the audit row (operator action `export`).
// Returns 0 when written (audited or not: a refusal is printed), 1 on a database or file
// error, 2 on a bad pattern or profile.
int runExportCommand(const AppOptions &options);

} // namespace switchboard
