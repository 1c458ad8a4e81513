#pragma once
// Puts the Traces view into the main window once Postgres is usable (so the view never
// holds a pool that is gone: it leaves with its backend).
#include <QString>

namespace switchboard {

class MainWindow;
class PostgresBackend;
struct ConnectionProfile;

void installTracesView(MainWindow &window, PostgresBackend &postgres,
                       const ConnectionProfile &profile);

// `--trace ID|auto`: open this session at start (auto: the newest session that had
// recovery events). With a screenshot dir, the search is also written as
// traces-search.png and the first failed span is opened for the traces.png shot.
void setTracesStartup(const QString &session, const QString &screenshotDir);

} // namespace switchboard
