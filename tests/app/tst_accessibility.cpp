// Accessibility of every view and dialog: the real console (MainWindow wired by the
// ConsoleController to a real Redis and a real Postgres filled by the simulator, so every
// view is the real one with data) and each dialog are walked through QAccessible; every
// interactive element (button, edit, combo box, check box, spin box, table, tree, list,
// tab, menu item) must have a name. Dialogs must be operable by keyboard: Tab reaches
// every focusable control (no text edit swallows Tab) and Escape cancels.
#include "../traces/TraceFixture.h"
#include "app/AppOptions.h"
#include "app/ConsoleController.h"
#include "app/MainWindow.h"
#include "app/ProfileStoreActions.h"
#include "core/services/ProfileStore.h"
#include "core/util/TextDiff.h"
#include "support/RedisServer.h"
#include "widgets/EmptyStateView.h"
#include "widgets/ProfileDialog.h"
#include "widgets/ReloadDialog.h"
#include "widgets/RollbackDialog.h"
#include "widgets/SessionThresholdsDialog.h"
#include "widgets/traces/ExportDialog.h"

#include <QAbstractButton>
#include <QAccessible>
#include <QApplication>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSet>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace switchboard;
using namespace switchboard::test;

namespace {

bool isInteractive(QAccessible::Role role)
{
    switch (role) {
    case QAccessible::PushButton:
    case QAccessible::CheckBox:
    case QAccessible::RadioButton:
    case QAccessible::ButtonMenu:
    case QAccessible::ButtonDropDown:
    case QAccessible::ButtonDropGrid:
    case QAccessible::ComboBox:
    case QAccessible::EditableText:
    case QAccessible::SpinBox:
    case QAccessible::Slider:
    case QAccessible::Dial:
    case QAccessible::Table:
    case QAccessible::Tree:
    case QAccessible::List:
    case QAccessible::PageTab:
    case QAccessible::MenuItem:
    case QAccessible::Link:
        return true;
    default:
        return false;
    }
}

// Items of a table, tree or list are named by their data, the entries of a combo box by
// their text: the walk does not go into them.
bool isContainerOfData(QAccessible::Role role)
{
    return role == QAccessible::Table || role == QAccessible::Tree || role == QAccessible::List
        || role == QAccessible::ComboBox || role == QAccessible::SpinBox;
}

QString describe(QAccessibleInterface *iface)
{
    QStringList chain;
    for (QAccessibleInterface *i = iface; i; i = i->parent()) {
        QObject *o = i->object();
        QString part = o ? QString::fromLatin1(o->metaObject()->className()) : QStringLiteral("?");
        if (o && !o->objectName().isEmpty())
            part += QLatin1Char('#') + o->objectName();
        chain.prepend(part);
        if (o && o->isWidgetType() && static_cast<QWidget *>(o)->isWindow())
            break;
        if (chain.size() > 12)
            break;
    }
    return QStringLiteral("%1 [role 0x%2, description \"%3\"]")
        .arg(chain.join(QStringLiteral(" > ")))
        .arg(int(iface->role()), 0, 16)
        .arg(iface->text(QAccessible::Description));
}

void walk(QAccessibleInterface *iface, QStringList *unnamed, int *interactive, int depth = 0)
{
    if (!iface || !iface->isValid() || depth > 64)
        return;
    const QAccessible::Role role = iface->role();
    if (isInteractive(role)) {
        ++*interactive;
        if (iface->text(QAccessible::Name).trimmed().isEmpty())
            unnamed->append(describe(iface));
    }
    if (isContainerOfData(role))
        return;
    for (int i = 0; i < iface->childCount(); ++i)
        walk(iface->child(i), unnamed, interactive, depth + 1);
}

// Unnamed interactive elements under a window, and its menus (not children in the tree).
QStringList unnamedIn(QWidget *window, int *interactive)
{
    QStringList unnamed;
    walk(QAccessible::queryAccessibleInterface(window), &unnamed, interactive);
    const auto menus = window->findChildren<QMenu *>();
    for (QMenu *menu : menus)
        walk(QAccessible::queryAccessibleInterface(menu), &unnamed, interactive);
    return unnamed;
}

// Presses Tab from the dialog's first focus up to 100 times; every visible, enabled widget
// that takes focus by Tab must have had it, and Tab must move the focus on from each (an
// editable QPlainTextEdit keeps it and types a tab: a keyboard trap).
QStringList notReachedByTab(QDialog *dialog)
{
    QSet<QWidget *> reached;
    QStringList problems;
    for (int i = 0; i < 100; ++i) {
        QWidget *focus = QApplication::focusWidget();
        if (!focus)
            break;
        reached.insert(focus);
        QTest::keyClick(focus, Qt::Key_Tab);
        if (QApplication::focusWidget() == focus) {
            problems << QStringLiteral("Tab stays in %1 \"%2\"")
                            .arg(QString::fromLatin1(focus->metaObject()->className()),
                                 focus->accessibleName());
            break;
        }
    }
    const auto widgets = dialog->findChildren<QWidget *>();
    for (QWidget *w : widgets) {
        if (!w->isVisibleTo(dialog) || !w->isEnabled() || !(w->focusPolicy() & Qt::TabFocus)
            || w->focusProxy())
            continue;
        if (!reached.contains(w))
            problems << QStringLiteral("not reachable by Tab: %1 \"%2\"")
                            .arg(QString::fromLatin1(w->metaObject()->className()),
                                 w->accessibleName());
    }
    return problems;
}

} // namespace

class TestAccessibility : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void everyViewNamesItsControls();
    void dialogs_data();
    void dialogs();

private:
    TraceFixture m_fx;
    RedisServer m_redis;
    QTemporaryDir m_home;
};

void TestAccessibility::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("sb-test-a11y"));
    QVERIFY2(m_fx.start(), qPrintable(m_fx.error));
    QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
    QAccessible::setActive(true);
}

void TestAccessibility::everyViewNamesItsControls()
{
    AppOptions options;
    options.redisUri = m_redis.uri();
    options.pgDsn = m_fx.dsn();
    options.operatorName = QStringLiteral("a11y");
    QString error;
    const ConnectionProfile profile = ConsoleController::profileFor(options, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    MainWindow window {QString()};
    ConsoleController controller(profile, window);
    controller.setTracesStartup(QStringLiteral("auto"), QString()); // the inspector, a real trace
    window.resize(1280, 800);
    window.show();
    controller.start();
    for (int v = 0; v < MainWindow::ViewCount; ++v) {
        const auto view = MainWindow::View(v);
        QTRY_VERIFY2_WITH_TIMEOUT(window.tabs()->widget(v) != window.emptyState(view),
                                  qPrintable(MainWindow::viewName(view)), 30000);
    }
    // Show each view once (some build their panes lazily), then walk the whole window.
    for (int v = 0; v < MainWindow::ViewCount; ++v) {
        window.showView(MainWindow::View(v));
        QTest::qWait(300);
    }
    int interactive = 0;
    const QStringList unnamed = unnamedIn(&window, &interactive);
    QVERIFY2(unnamed.isEmpty(),
             qPrintable(QStringLiteral("%1 of %2 interactive elements have no accessible name:\n")
                            .arg(unnamed.size())
                            .arg(interactive)
                        + unnamed.join(u'\n')));
    // The walk saw the real views, not a handful of empty states.
    QVERIFY2(interactive >= 60, qPrintable(QString::number(interactive)));
}

void TestAccessibility::dialogs_data()
{
    QTest::addColumn<QString>("which");
    for (const char *d : {"reload", "rollback", "export", "profiles", "thresholds"})
        QTest::newRow(d) << QString::fromLatin1(d);
}

void TestAccessibility::dialogs()
{
    QFETCH(QString, which);
    QWidget parent;
    parent.resize(800, 600);
    parent.show();
    QSettings settings(m_home.filePath(QStringLiteral("profiles.ini")), QSettings::IniFormat);
    ProfileStore store(settings);
    std::unique_ptr<ProfileStoreActions> profiles; // outlives the dialog
    std::unique_ptr<QDialog> dialog;
    if (which == QLatin1String("reload")) {
        ProcessActionRequest r;
        r.action = ControlAction::Reload;
        r.host = QStringLiteral("demo-host");
        r.app = QStringLiteral("reasoner");
        r.execMode = ExecMode::Cluster;
        dialog = std::make_unique<ReloadDialog>(r, &parent);
    } else if (which == QLatin1String("rollback")) {
        RollbackDialogInput in;
        in.agent = QStringLiteral("support");
        in.currentVersion = 3;
        in.currentDeploymentId = 7;
        in.currentBy = QStringLiteral("alice");
        in.target.version.agent = in.agent;
        in.target.version.version = 2;
        in.target.version.model = QStringLiteral("model-a");
        in.target.version.evalSuite = QStringLiteral("smoke");
        in.target.version.evalPassed = false; // needs the override: its controls are shown
        in.diff = TextDiff::diff(QStringLiteral("Be brief.\nBe polite.\n"),
                                 QStringLiteral("Be brief.\nBe kind.\n"));
        dialog = std::make_unique<RollbackDialog>(in, &parent);
    } else if (which == QLatin1String("export")) {
        dialog = std::make_unique<ExportDialog>(QStringLiteral("s-1"), &parent);
    } else if (which == QLatin1String("profiles")) {
        profiles
            = std::make_unique<ProfileStoreActions>(store, nullptr, ProfileStoreActions::Tester {});
        dialog = std::make_unique<ProfileDialog>(*profiles, &parent);
    } else {
        dialog = std::make_unique<SessionThresholdsDialog>(SessionSettings {}, &parent);
    }
    dialog->show();
    QVERIFY(QTest::qWaitForWindowActive(dialog.get()));

    int interactive = 0;
    const QStringList unnamed = unnamedIn(dialog.get(), &interactive);
    QVERIFY2(unnamed.isEmpty(),
             qPrintable(QStringLiteral("%1 of %2 interactive elements have no accessible name:\n")
                            .arg(unnamed.size())
                            .arg(interactive)
                        + unnamed.join(u'\n')));
    QVERIFY(interactive >= 2);

    // Keyboard: the dialog opens with the focus on a control, Tab goes round every one
    // and moves on from each.
    QVERIFY2(QApplication::focusWidget() && dialog->isAncestorOf(QApplication::focusWidget()),
             "no initial focus in the dialog");
    const QStringList missing = notReachedByTab(dialog.get());
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));
    // A default button (Enter) exists, and Escape cancels.
    const auto buttons = dialog->findChildren<QPushButton *>();
    QVERIFY(std::any_of(buttons.cbegin(), buttons.cend(),
                        [](const QPushButton *b) { return b->isDefault(); }));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Escape);
    QTRY_VERIFY(!dialog->isVisible());
    QCOMPARE(dialog->result(), int(QDialog::Rejected));
}

QTEST_MAIN(TestAccessibility)
#include "tst_accessibility.moc"
