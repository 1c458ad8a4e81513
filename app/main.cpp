#include "app/AppOptions.h"
#include "app/ConsoleController.h"
#include "app/DbCommand.h"
#include "app/ExportCommand.h"
#include "app/MainWindow.h"
#include "app/ProfileStoreActions.h"
#include "app/RollbackCommand.h"
#include "app/ScreenshotWriter.h"
#include "app/SingleInstance.h"
#include "app/ViewLinks.h"
#include "core/services/ConnectionTester.h"
#include "core/services/ProfileStore.h"
#include "core/services/SecretStore.h"
#include "widgets/ProfileDialog.h"
#include "widgets/Theme.h"

#include <QApplication>
#include <QIcon>
#include <QSettings>
#include <QTimer>

#include <cstdio>
#include <memory>

using namespace switchboard;

namespace {
void printErr(const QString &text)
{
    std::fprintf(stderr, "%s\n", text.toLocal8Bit().constData());
}

void setNames()
{
    QCoreApplication::setApplicationName(QStringLiteral("switchboard"));
    QCoreApplication::setOrganizationName(QStringLiteral("switchboard"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION));
}

// `db …`, --help and --version need no window, and must work over ssh on a box without a
// display, where creating a QApplication would abort.
bool needsNoWindow(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg(argv[i]);
        if (arg == "-h" || arg == "--help" || arg == "-v" || arg == "--version")
            return true;
    }
    if (argc < 2)
        return false;
    const QByteArray command(argv[1]);
    return command == "db" || command == "rollback" || command == "export";
}

int runWithoutWindow(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    setNames();
    QString help;
    const AppOptions options = parseCommandLine(QCoreApplication::arguments(), &help);
    switch (options.mode) {
    case AppOptions::Mode::Error:
        printErr(QStringLiteral("switchboard: %1\n").arg(options.error) + help);
        return 2;
    case AppOptions::Mode::DbMigrate:
    case AppOptions::Mode::DbStatus:
        return runDbCommand(options);
    case AppOptions::Mode::Rollback:
        return runRollbackCommand(options);
    case AppOptions::Mode::Export:
        return runExportCommand(options);
    case AppOptions::Mode::Help:
    case AppOptions::Mode::Gui:
        break;
    }
    const QStringList args = QCoreApplication::arguments();
    if (args.contains(QStringLiteral("--version")) || args.contains(QStringLiteral("-v"))) {
        std::printf("switchboard %s\n", SWITCHBOARD_VERSION);
        return 0;
    }
    std::printf("%s\n", help.toLocal8Bit().constData());
    return 0;
}
} // namespace

int main(int argc, char **argv)
{
    if (needsNoWindow(argc, argv))
        return runWithoutWindow(argc, argv);
    QApplication app(argc, argv);
    setNames();
    // The desktop file and the icon are named by the app id (packaging/): Wayland
    // compositors match the window to the desktop file by this name.
    QGuiApplication::setDesktopFileName(QStringLiteral("org.switchboard.Switchboard"));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("org.switchboard.Switchboard")));
    QApplication::setApplicationDisplayName(QStringLiteral("Switchboard"));

    QString help;
    const AppOptions options = parseCommandLine(QApplication::arguments(), &help);
    switch (options.mode) {
    case AppOptions::Mode::Error:
        printErr(QStringLiteral("switchboard: %1\n").arg(options.error) + help);
        return 2;
    case AppOptions::Mode::Help:
        std::printf("%s\n", help.toLocal8Bit().constData());
        return 0;
    case AppOptions::Mode::DbMigrate:
    case AppOptions::Mode::DbStatus:
        return runDbCommand(options);
    case AppOptions::Mode::Rollback:
        return runRollbackCommand(options);
    case AppOptions::Mode::Export:
        return runExportCommand(options);
    case AppOptions::Mode::Gui:
        break;
    }

    QString profileError;
    const ConnectionProfile profile = ConsoleController::profileFor(options, &profileError);
    if (!profileError.isEmpty()) {
        printErr(QStringLiteral("switchboard: %1").arg(profileError));
        return 2;
    }
    // One console per profile: a second start raises the first one's window and exits 0.
    // Not for --screenshot runs, nor for ad-hoc targets without a profile (--redis / --pg:
    // two of them may point at different servers).
    SingleInstance single;
    QString singleKey = options.profile;
    const bool adHoc = options.profile.isEmpty()
        && !(options.redisUri.isEmpty() && options.pgDsn.isEmpty()
             && options.pgReplicaDsn.isEmpty());
    if (options.screenshotDir.isEmpty() && !adHoc) {
        switch (single.claim(singleKey)) {
        case SingleInstance::Claim::Raised:
            std::printf("switchboard: %s is already open: raised its window\n",
                        singleKey.isEmpty()
                            ? "the default profile"
                            : qPrintable(QStringLiteral("profile '%1'").arg(singleKey)));
            return 0;
        case SingleInstance::Claim::Failed:
            printErr(
                QStringLiteral("switchboard: %1; opening another console").arg(single.error()));
            break;
        case SingleInstance::Claim::Primary:
            break;
        }
    }
    // View > Theme (saved); --theme for one run (screenshots). `system` follows the platform.
    theme::apply(options.theme.isEmpty() ? theme::savedChoice()
                                         : theme::choiceFromName(options.theme));
    MainWindow window(profile.name);
    QObject::connect(&single, &SingleInstance::raiseRequested, &window, [&window] {
        printErr(QStringLiteral("switchboard: a second start of this profile: raising the window"));
        window.bringToFront();
    });
    new ViewLinks(window); // owned by the window
    auto controller = std::make_unique<ConsoleController>(profile, window);
    controller->setTracesStartup(options.traceSession, options.screenshotDir);
    SecretStore secrets;
    QObject::connect(&window, &MainWindow::profilesRequested, &window, [&] {
        QSettings settings;
        ProfileStore store(settings);
        ProfileStoreActions profiles(
            store, &secrets,
            [](const ConnectionProfile &p, const ProfilePasswords &pw, QObject *context,
               std::function<void(ConnectionTestResults)> done) {
                ConnectionTester::run(p, pw.redis, pw.postgres, context, std::move(done));
            });
        ProfileDialog dialog(profiles, &window);
        if (dialog.exec() != QDialog::Accepted || dialog.chosenProfile().isEmpty())
            return;
        AppOptions chosen;
        chosen.profile = dialog.chosenProfile();
        QString error;
        const ConnectionProfile next = ConsoleController::profileFor(chosen, &error);
        if (!error.isEmpty())
            return;
        // The profile is open in another console already: show that one instead.
        if (chosen.profile != singleKey
            && single.claim(chosen.profile) == SingleInstance::Claim::Raised)
            return;
        singleKey = chosen.profile;
        // Old connections close before new ones open: never two consoles' worth of load.
        controller.reset();
        window.setProfileName(next.name);
        controller = std::make_unique<ConsoleController>(next, window);
        controller->start();
    });
    window.show();
    controller->start();

    if (!options.screenshotDir.isEmpty()) {
        QTimer::singleShot(options.screenshotDelayMs, &window, [&window, &options] {
            QString error;
            const QStringList files = writeScreenshots(window, options.screenshotDir, &error);
            for (const QString &file : files)
                std::printf("wrote %s\n", file.toLocal8Bit().constData());
            if (!error.isEmpty()) {
                printErr(QStringLiteral("switchboard: %1").arg(error));
                QApplication::exit(1);
                return;
            }
            QApplication::exit(0);
        });
    }
    return QApplication::exec();
}
