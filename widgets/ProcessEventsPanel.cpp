#include "widgets/ProcessEventsPanel.h"

#include "widgets/ProcessActions.h"
#include "widgets/UntrustedLabel.h"

#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace switchboard {

namespace {
constexpr int kMaxRows = 500;
}

ProcessEventsPanel::ProcessEventsPanel(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(QStringLiteral("Process events: select an app"), this))
    , m_list(new QTreeWidget(this))
{
    m_list->setColumnCount(4);
    m_list->setHeaderLabels({QStringLiteral("Time"), QStringLiteral("pm_id"),
                             QStringLiteral("Event"), QStringLiteral("Detail")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->header()->setStretchLastSection(true);
    m_list->setAccessibleName(QStringLiteral("Process events"));
    m_list->setAccessibleDescription(
        QStringLiteral("PM2 events (restarts, exits, errors) of the selected app"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_list);
}

int ProcessEventsPanel::rowCount() const
{
    return m_list->topLevelItemCount();
}

void ProcessEventsPanel::setSource(ProcessActions *source)
{
    m_source = source;
    // A new log (Redis reconnected) or none: read the selected app's events again.
    connect(source, &ProcessActions::eventsReset, this, [this] {
        m_list->clear();
        showApp(m_host, m_app);
    });
    connect(source, &ProcessActions::eventsAppended, this,
            [this](const QVector<LoggedProcessEvent> &events) {
                QVector<LoggedProcessEvent> mine;
                for (const LoggedProcessEvent &e : events)
                    if (e.error.isEmpty() && e.event.host == m_host && e.event.app == m_app)
                        mine.append(e);
                std::reverse(mine.begin(), mine.end()); // newest first
                append(mine, true);
            });
    showApp(m_host, m_app);
}

void ProcessEventsPanel::showApp(const QString &host, const QString &app)
{
    if (host == m_host && app == m_app && m_list->topLevelItemCount() > 0)
        return;
    m_host = host;
    m_app = app;
    m_list->clear();
    if (app.isEmpty()) {
        m_title->setText(QStringLiteral("Process events: select an app"));
        return;
    }
    untrusted::setLabel(m_title, QStringLiteral("Process events of %1 on %2").arg(app, host));
    if (m_source)
        append(m_source->eventsFor(host, app, kMaxRows), false);
}

void ProcessEventsPanel::append(const QVector<LoggedProcessEvent> &events, bool prepend)
{
    QList<QTreeWidgetItem *> items;
    for (const LoggedProcessEvent &e : events) {
        auto *item = new QTreeWidgetItem;
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(e.event.at);
        item->setText(0, at.toString(QStringLiteral("HH:mm:ss")));
        item->setToolTip(0,
                         untrusted::toolTip(at.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"))
                                            + QStringLiteral("\nstream id ")
                                            + QString::fromUtf8(e.streamId)));
        item->setText(1, QString::number(e.event.pmId));
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(2, enumToText(e.event.event));
        const QString detail = e.event.detail.is_object() && !e.event.detail.empty()
            ? QString::fromStdString(e.event.detail.dump())
            : QString();
        item->setText(3, untrusted::line(detail, 300));
        item->setToolTip(3, untrusted::toolTip(detail, 4000));
        items.append(item);
    }
    if (prepend)
        m_list->insertTopLevelItems(0, items);
    else
        m_list->addTopLevelItems(items);
    while (m_list->topLevelItemCount() > kMaxRows)
        delete m_list->takeTopLevelItem(m_list->topLevelItemCount() - 1);
}

} // namespace switchboard
