#pragma once
// Servers a fixture starts must not outlive a test that crashes (the fixtures' destructors
// only run on a normal exit; a developer's box used to collect PostgreSQL clusters).
// Two mechanisms, chosen by how the server is started:
// - a direct child (redis-server, redis-sentinel, the bridge): the kernel sends it
//   SIGKILL when the test process dies (PR_SET_PDEATHSIG). Only valid when the QProcess
//   is started from a thread that lives as long as the test (the fixtures' main thread).
// - a daemon (pg_ctl start, the PM2 daemon): a detached watchdog shell waits for the test
//   process to go away, then runs a cleanup command that only touches what this fixture
//   created (its data dir's postmaster.pid, its PM2_HOME), so it is safe after a normal
//   exit too, when that is already gone.
#include <QString>

class QProcess;

namespace switchboard::test {

void killWithTestProcess(QProcess &process); // before process.start()
// `cleanup` is a /bin/sh command run after this test process has exited.
bool cleanupAfterTestProcess(const QString &cleanup);
QString shellQuote(const QString &text);

} // namespace switchboard::test
