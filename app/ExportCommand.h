#pragma once
#include "app/AppOptions.h"

namespace switchboard {

// `switchboard export --session ID --html F --json F [--redact PATTERN]... [--redact-ids]`:
// the trace export without a window (TraceExporter::run): collected, then the audit row
// (operator action `export`) committed, then the files (0600). Fails closed.
// Returns 0 when audited and written; 1 on a database or file error (no file left);
// 2 on a bad pattern or profile; 3 when the session does not exist; 4 when the audit row
// could not be written (no right, Postgres down, timeout): nothing is written.
int runExportCommand(const AppOptions &options);

} // namespace switchboard
