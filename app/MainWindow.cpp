#include "app/MainWindow.h"

#include "widgets/ConnectionIndicator.h"
#include "widgets/EmptyStateView.h"
#include "widgets/Theme.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

namespace switchboard {

namespace {
struct ViewInfo
{
    const char *title;
    const char *purpose;
    bool needsRedis;
    bool needsPostgres;
};

const ViewInfo kViews[MainWindow::ViewCount] = {
    {"Processes",
     "Every live agent process on every host, grouped by layer (SIP/voice, LLM reasoning, "
     "tools, sessions): status, restarts, uptime, CPU, memory and heartbeat age, with "
     "reload and restart.",
     true, false},
    {"Sessions",
     "Every live session with how full its context window is (amber from 70 %), what fills "
     "it, its model and prompt version.",
     true, false},
    {"Events",
     "A live tail of error-recovery events: tool errors and the alternative taken, invalid "
     "JSON and the stricter retry, context overflows and the summarisation, timeouts, rate "
     "limits, and whether each recovered.",
     true, true},
    {"Prompts",
     "Prompt versions per agent with their pinned model and evaluation result, diffs between "
     "versions, the deployment history, and an audited rollback.",
     false, true},
    {"Traces",
     "A conversation's full trace for a post-mortem: every turn, prompt, model call and tool "
     "call with tokens and latency, and an export of it as a report.",
     false, true},
};
} // namespace

MainWindow::MainWindow(const QString &profileName, QWidget *parent)
    : QMainWindow(parent)
    , m_tabs(new QTabWidget(this))
    , m_redis(new ConnectionIndicator(QStringLiteral("Redis"), this))
    , m_postgres(new ConnectionIndicator(QStringLiteral("Postgres"), this))
    , m_profile(new QLabel(this))
{
    m_tabs->setDocumentMode(true);
    m_tabs->setAccessibleName(QStringLiteral("Views"));
    for (int i = 0; i < ViewCount; ++i) {
        auto *empty = new EmptyStateView(QString::fromUtf8(kViews[i].title),
                                         QString::fromUtf8(kViews[i].purpose), m_tabs);
        m_empty.append(empty);
        m_hasRealView.append(false);
        m_tabs->addTab(empty, QString::fromUtf8(kViews[i].title));
        m_tabs->setTabToolTip(
            i, QStringLiteral("%1 (Ctrl+%2)").arg(QString::fromUtf8(kViews[i].title)).arg(i + 1));
    }
    setCentralWidget(m_tabs);

    m_redisStatus.backend = QStringLiteral("Redis");
    m_redisStatus.summary = QStringLiteral("not configured");
    m_postgresStatus.backend = QStringLiteral("Postgres");
    m_postgresStatus.summary = QStringLiteral("not configured");
    setProfileName(profileName);
    statusBar()->addWidget(m_profile);
    statusBar()->addPermanentWidget(m_redis);
    statusBar()->addPermanentWidget(m_postgres);

    buildMenus();
    updateEmptyStates();

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("mainWindow/geometry")).toByteArray());
    if (!settings.contains(QStringLiteral("mainWindow/geometry")))
        resize(1280, 800);
}

MainWindow::~MainWindow() = default;

void MainWindow::setProfileName(const QString &profileName)
{
    setWindowTitle(profileName.isEmpty() ? QStringLiteral("Switchboard")
                                         : QStringLiteral("Switchboard — %1").arg(profileName));
    m_profile->setText(profileName.isEmpty() ? QStringLiteral("no profile")
                                             : QStringLiteral("profile: %1").arg(profileName));
}

void MainWindow::bringToFront()
{
    setWindowState(windowState() & ~Qt::WindowMinimized);
    show();
    raise();
    activateWindow();
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(QStringLiteral("&File"));
    QAction *profiles = file->addAction(QStringLiteral("Connection &profiles…"), this,
                                        &MainWindow::profilesRequested);
    profiles->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    file->addSeparator();
    QAction *quit = file->addAction(QStringLiteral("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *view = menuBar()->addMenu(QStringLiteral("&View"));
    for (int i = 0; i < ViewCount; ++i) {
        QAction *action = view->addAction(QString::fromUtf8(kViews[i].title), this,
                                          [this, i] { showView(View(i)); });
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        addAction(action);
    }
    view->addSeparator();
    QMenu *themeMenu = view->addMenu(QStringLiteral("&Theme"));
    auto *themes = new QActionGroup(this);
    const theme::Choice saved = theme::savedChoice();
    const struct
    {
        theme::Choice choice;
        const char *title;
    } choices[] = {{theme::Choice::System, "&System"},
                   {theme::Choice::Light, "&Light"},
                   {theme::Choice::Dark, "&Dark"}};
    for (const auto &c : choices) {
        QAction *action = themeMenu->addAction(QString::fromUtf8(c.title));
        action->setCheckable(true);
        action->setChecked(c.choice == saved);
        action->setData(theme::choiceName(c.choice));
        themes->addAction(action);
        const theme::Choice choice = c.choice;
        connect(action, &QAction::triggered, this, [choice] {
            theme::saveChoice(choice);
            theme::apply(choice);
        });
    }
    m_themeActions = themes;

    QMenu *help = menuBar()->addMenu(QStringLiteral("&Help"));
    help->addAction(QStringLiteral("&About Switchboard"), this, [this] {
        QMessageBox::about(this, QStringLiteral("About Switchboard"),
                           QStringLiteral("Switchboard %1\nAn on-call console for AI agents "
                                          "in production.")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::setViewWidget(View view, QWidget *widget)
{
    const int index = int(view);
    const bool wasCurrent = m_tabs->currentIndex() == index;
    m_tabs->removeTab(index);
    m_tabs->insertTab(index, widget, QString::fromUtf8(kViews[index].title));
    m_hasRealView[index] = true;
    if (wasCurrent)
        m_tabs->setCurrentIndex(index);
    emit viewInstalled(view, widget);
}

void MainWindow::showView(View view)
{
    m_tabs->setCurrentIndex(int(view));
}

MainWindow::View MainWindow::currentView() const
{
    return View(m_tabs->currentIndex());
}

QString MainWindow::viewName(View view)
{
    return QString::fromUtf8(kViews[int(view)].title).toLower();
}

EmptyStateView *MainWindow::emptyState(View view) const
{
    return m_empty.value(int(view));
}

void MainWindow::setRedisStatus(const BackendStatus &status)
{
    m_redisStatus = status;
    m_redis->setStatus(status);
    updateEmptyStates();
}

void MainWindow::setPostgresStatus(const BackendStatus &status)
{
    m_postgresStatus = status;
    m_postgres->setStatus(status);
    updateEmptyStates();
}

void MainWindow::updateEmptyStates()
{
    for (int i = 0; i < ViewCount; ++i) {
        if (m_hasRealView.at(i))
            continue;
        QStringList reasons;
        const auto explain = [&reasons](const BackendStatus &s) {
            if (s.state == BackendStatus::State::Ready)
                return;
            if (s.state == BackendStatus::State::NotConfigured)
                reasons << QStringLiteral("%1 is not configured: start Switchboard with --%2 "
                                          "or choose a connection profile.")
                               .arg(s.backend,
                                    s.backend == QLatin1String("Redis") ? QStringLiteral("redis")
                                                                        : QStringLiteral("pg"));
            else if (s.detail.isEmpty())
                reasons << QStringLiteral("%1: %2.").arg(s.backend, s.summary);
            else
                reasons << QStringLiteral("%1: %2.\n%3").arg(s.backend, s.summary, s.detail);
        };
        if (kViews[i].needsRedis)
            explain(m_redisStatus);
        if (kViews[i].needsPostgres)
            explain(m_postgresStatus);
        // Every view is built; until its feature installs it (a connection profile is
        // open), it shows why it is empty, never made-up data.
        if (reasons.isEmpty())
            reasons << QStringLiteral("Not connected yet: choose a connection profile "
                                      "(File → Connection profiles…).");
        m_empty[i]->setReason(reasons.join(QStringLiteral("\n\n")));
    }
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("mainWindow/geometry"), saveGeometry());
    event->accept();
}

} // namespace switchboard
