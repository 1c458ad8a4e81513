#include "support/OrphanGuard.h"

#include <QCoreApplication>
#include <QProcess>

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace switchboard::test {

void killWithTestProcess(QProcess &process)
{
    const pid_t parent = ::getpid();
    process.setChildProcessModifier([parent] {
        // Runs in the child between fork and exec: async-signal-safe calls only.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) // the test died before prctl took effect
            ::_exit(1);
    });
}

QString shellQuote(const QString &text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

bool cleanupAfterTestProcess(const QString &cleanup)
{
    // /proc/<pid> rather than `kill -0`: the watchdog may run as a user that may not
    // signal the test process, and kill -0 then fails as if it had exited.
    const QString script = QStringLiteral("while [ -d /proc/%1 ]; do sleep 1; done; %2")
                               .arg(QCoreApplication::applicationPid())
                               .arg(cleanup);
    QProcess watchdog;
    watchdog.setProgram(QStringLiteral("/bin/sh"));
    watchdog.setArguments({QStringLiteral("-c"), script});
    watchdog.setStandardOutputFile(QProcess::nullDevice());
    watchdog.setStandardErrorFile(QProcess::nullDevice());
    return watchdog.startDetached();
}

} // namespace switchboard::test
