#pragma once
// The console's window: one tab per view, the connection state of each backend in the
// status bar. Views are handed in; the window does not create connections itself.
#include "core/services/BackendStatus.h"

#include <QMainWindow>
#include <QVector>

class QActionGroup;
class QTabWidget;
class QLabel;

namespace switchboard {

class ConnectionIndicator;
class EmptyStateView;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    enum View { Processes, Sessions, Events, Prompts, Traces, ViewCount };

    explicit MainWindow(const QString &profileName, QWidget *parent = nullptr);
    void setProfileName(const QString &profileName);
    // Shows the window un-minimized, on top, and asks for focus (a second start of the
    // same profile: app/SingleInstance.h). Wayland compositors may only flash it.
    void bringToFront();
    ~MainWindow() override;

    // Replaces the empty state of a view by the real one (takes ownership).
    void setViewWidget(View view, QWidget *widget);
    void showView(View view);
    View currentView() const;
    static QString viewName(View view); // "processes", …: for files and shortcuts

    QTabWidget *tabs() const { return m_tabs; }
    const ConnectionIndicator *redisIndicator() const { return m_redis; }
    const ConnectionIndicator *postgresIndicator() const { return m_postgres; }
    EmptyStateView *emptyState(View view) const;
    // View > Theme: one checkable action per choice, data = theme::choiceName.
    QActionGroup *themeActions() const { return m_themeActions; }

public Q_SLOTS:
    void setRedisStatus(const switchboard::BackendStatus &status);
    void setPostgresStatus(const switchboard::BackendStatus &status);

Q_SIGNALS:
    void profilesRequested();
    void viewInstalled(switchboard::MainWindow::View view, QWidget *widget);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void updateEmptyStates();

    QTabWidget *m_tabs;
    ConnectionIndicator *m_redis;
    ConnectionIndicator *m_postgres;
    QLabel *m_profile;
    QActionGroup *m_themeActions = nullptr;
    QVector<EmptyStateView *> m_empty;
    QVector<bool> m_hasRealView;
    BackendStatus m_redisStatus;
    BackendStatus m_postgresStatus;
};

} // namespace switchboard
