#pragma once
// Renders each view of the main window to DIR/<view>.png (works with the offscreen
// platform), so a headless machine can show what the console shows.
#include <QString>
#include <QStringList>

namespace switchboard {

class MainWindow;

// Returns the files written; on failure *error says which file could not be written.
QStringList writeScreenshots(MainWindow &window, const QString &dir, QString *error);

} // namespace switchboard
