// One step between views: a session's trace, its recovery events, its prompt; the link
// brings the target tab to the front and hands it the id, also when the target view is
// installed after the source, and shows the empty state when it is not there at all.
#include "app/EventsFeature.h"
#include "app/MainWindow.h"
#include "app/ViewLinks.h"
#include "models/RecoveryEventFilterProxy.h"
#include "widgets/EventsView.h"

#include <QtTest>

using namespace switchboard;

class TestViewLinks : public QObject
{
    Q_OBJECT

private slots:
    void linksWithoutTheTargetViewShowItsTab()
    {
        MainWindow window(QStringLiteral("test"));
        auto *links = new ViewLinks(window);
        window.showView(MainWindow::Sessions);
        links->openTrace(QStringLiteral("s-1"));
        QCOMPARE(window.currentView(), MainWindow::Traces);
        links->showPrompt(QStringLiteral("billing-agent"), 3);
        QCOMPARE(window.currentView(), MainWindow::Prompts);
        links->showSessionEvents(QStringLiteral("s-1"));
        QCOMPARE(window.currentView(), MainWindow::Events);
    }

    void aViewInstalledLaterReceivesTheLink()
    {
        MainWindow window(QStringLiteral("test"));
        auto *links = new ViewLinks(window);
        EventsFeature feature(ConnectionProfile(), &window);
        EventsView *events = feature.view();
        window.showView(MainWindow::Processes);
        links->showSessionEvents(QStringLiteral("s-42"));
        QCOMPARE(window.currentView(), MainWindow::Events);
        QCOMPARE(events->proxy()->session(), QStringLiteral("s-42"));
        // The events view's own request to open a trace goes to the traces tab.
        emit events->openTraceRequested(QStringLiteral("s-42"));
        QCOMPARE(window.currentView(), MainWindow::Traces);
    }
};

QTEST_MAIN(TestViewLinks)
#include "tst_viewlinks.moc"
