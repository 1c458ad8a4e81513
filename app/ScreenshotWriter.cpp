#include "app/ScreenshotWriter.h"

#include "app/MainWindow.h"

#include <QApplication>
#include <QDir>
#include <QPixmap>

namespace switchboard {

QStringList writeScreenshots(MainWindow &window, const QString &dir, QString *error)
{
    QStringList written;
    if (!QDir().mkpath(dir)) {
        if (error)
            *error = QStringLiteral("cannot create %1").arg(dir);
        return written;
    }
    const MainWindow::View original = window.currentView();
    for (int i = 0; i < MainWindow::ViewCount; ++i) {
        const auto view = MainWindow::View(i);
        window.showView(view);
        QApplication::processEvents();
        const QString file
            = QDir(dir).filePath(MainWindow::viewName(view) + QStringLiteral(".png"));
        if (!window.grab().save(file)) {
            if (error)
                *error = QStringLiteral("cannot write %1").arg(file);
            break;
        }
        written << file;
    }
    window.showView(original);
    return written;
}

} // namespace switchboard
