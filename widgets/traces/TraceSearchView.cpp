#include "widgets/traces/TraceSearchView.h"

#include "models/TraceSessionModel.h"
#include "widgets/UntrustedLabel.h"
#include "widgets/ViewSetup.h"
#include "widgets/traces/TraceActions.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QGridLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPersistentModelIndex>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace switchboard {

namespace {
const qint64 kRanges[] = {0, 3600000LL, 86400000LL, 7 * 86400000LL, 30 * 86400000LL};
}

TraceSearchView::TraceSearchView(TraceSessionModel *model, TraceActions *actions, QWidget *parent)
    : QWidget(parent)
    , m_actions(actions)
    , m_model(model)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_id(new QLineEdit(this))
    , m_agent(new QLineEdit(this))
    , m_range(new QComboBox(this))
    , m_outcome(new QComboBox(this))
    , m_recovery(new QCheckBox(tr("had recovery events"), this))
    , m_fill(new QSpinBox(this))
    , m_prompt(new QSpinBox(this))
    , m_filter(viewsetup::filterBar(this, tr("Filter shown rows")))
    , m_table(new QTableView(this))
    , m_more(new QPushButton(tr("More (older)"), this))
    , m_status(new QLabel(this))
{
    m_model->setParent(this);
    m_id->setPlaceholderText(
        tr("session id — paste one and press Enter to open; prefix* to search"));
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_id->setFont(mono);
    m_agent->setPlaceholderText(tr("agent"));
    m_range->addItems(
        {tr("any time"), tr("last hour"), tr("last 24 h"), tr("last 7 days"), tr("last 30 days")});
    m_outcome->addItem(tr("any outcome"));
    for (const char *o : {"active", "completed", "abandoned", "failed", "escalated"})
        m_outcome->addItem(QString::fromLatin1(o));
    m_fill->setRange(0, 100);
    m_fill->setSuffix(QStringLiteral(" %"));
    m_fill->setPrefix(tr("fill ≥ "));
    m_fill->setSpecialValueText(tr("any fill"));
    m_prompt->setRange(0, 100000);
    m_prompt->setPrefix(tr("prompt v"));
    m_prompt->setSpecialValueText(tr("any prompt"));
    auto *go = new QPushButton(tr("Search"), this);
    go->setDefault(true);
    m_id->setAccessibleName(tr("Session id"));
    m_id->setAccessibleDescription(
        tr("A full session id and Enter opens its trace; an id prefix ending in * searches"));
    m_agent->setAccessibleName(tr("Agent"));
    m_range->setAccessibleName(tr("Time range"));
    m_outcome->setAccessibleName(tr("Session outcome"));
    m_recovery->setAccessibleDescription(tr("Only sessions that had recovery events"));
    m_fill->setAccessibleName(tr("Minimum context fill"));
    m_fill->setAccessibleDescription(tr("Only sessions whose context window was at least this "
                                        "full; 0 for any"));
    m_prompt->setAccessibleName(tr("Prompt version"));
    m_prompt->setAccessibleDescription(tr("Only sessions on this prompt version; 0 for any"));
    go->setAccessibleDescription(tr("Searches Postgres for sessions matching these fields"));
    m_filter->setAccessibleName(tr("Filter shown sessions"));
    m_table->setAccessibleName(tr("Sessions found"));
    m_table->setAccessibleDescription(tr("Enter or double click opens the session's trace"));
    m_more->setAccessibleDescription(tr("Loads the next page of older sessions"));

    auto *form = new QGridLayout;
    form->addWidget(m_id, 0, 0, 1, 4);
    form->addWidget(go, 0, 4);
    form->addWidget(m_agent, 1, 0);
    form->addWidget(m_range, 1, 1);
    form->addWidget(m_outcome, 1, 2);
    form->addWidget(m_fill, 1, 3);
    form->addWidget(m_prompt, 1, 4);
    form->addWidget(m_recovery, 2, 0);
    form->addWidget(m_filter, 2, 1, 1, 4);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(TraceSessionModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_table->setModel(m_proxy);
    viewsetup::Options setup;
    setup.filter = m_filter;
    setup.menu = [this](QMenu *menu, const QModelIndex &index) {
        if (!index.isValid())
            return;
        QAction *open = menu->addAction(tr("Open trace\tEnter"));
        connect(open, &QAction::triggered, this,
                [this, row = QPersistentModelIndex(index)] { openRow(row); });
    };
    viewsetup::setupView(m_table, setup);
    m_table->sortByColumn(TraceSessionModel::Started, Qt::DescendingOrder);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(TraceSessionModel::Session, 300);
    m_table->setColumnWidth(TraceSessionModel::Agent, 130);
    m_more->setEnabled(false);

    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_status, 1);
    bottom->addWidget(m_more);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(form);
    layout->addWidget(m_table, 1);
    layout->addLayout(bottom);

    connect(go, &QPushButton::clicked, this, &TraceSearchView::search);
    connect(m_more, &QPushButton::clicked, this, &TraceSearchView::more);
    connect(m_agent, &QLineEdit::returnPressed, this, &TraceSearchView::search);
    connect(m_id, &QLineEdit::returnPressed, this, [this] {
        const QString id = m_id->text().trimmed();
        if (!id.isEmpty() && !id.endsWith(QLatin1Char('*')))
            Q_EMIT openTraceRequested(id); // straight from a log line or a ticket
        else
            search();
    });
    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    connect(m_table, &QTableView::activated, this, &TraceSearchView::openRow);
    m_status->setText(tr("Search sessions in Postgres, or paste a session id."));
}

TraceQuery TraceSearchView::query() const
{
    TraceQuery q;
    q.sessionId = m_id->text().trimmed();
    q.agent = m_agent->text().trimmed();
    if (const qint64 range = kRanges[std::max(0, m_range->currentIndex())])
        q.fromMs = QDateTime::currentMSecsSinceEpoch() - range;
    if (m_outcome->currentIndex() > 0)
        q.outcome = SessionOutcome(m_outcome->currentIndex() - 1);
    q.onlyWithRecovery = m_recovery->isChecked();
    if (m_fill->value() > 0)
        q.minFillPct = m_fill->value();
    if (m_prompt->value() > 0)
        q.promptVersion = m_prompt->value();
    return q;
}

void TraceSearchView::setQuery(const TraceQuery &q)
{
    m_id->setText(q.sessionId);
    m_agent->setText(q.agent);
    m_range->setCurrentIndex(0);
    m_outcome->setCurrentIndex(q.outcome ? int(*q.outcome) + 1 : 0);
    m_recovery->setChecked(q.onlyWithRecovery);
    m_fill->setValue(q.minFillPct ? int(*q.minFillPct) : 0);
    m_prompt->setValue(q.promptVersion.value_or(0));
}

void TraceSearchView::search()
{
    run(false);
}

void TraceSearchView::more()
{
    if (!m_next.isNull())
        run(true);
}

QString TraceSearchView::statusText() const
{
    return m_status->text();
}

void TraceSearchView::run(bool append)
{
    const TraceQuery q = query();
    if (!m_actions)
        return;
    m_status->setText(tr("searching…"));
    m_more->setEnabled(false);
    m_actions->search(q, append ? m_next : TraceCursor {}, this,
                      [this, append](const TraceReply &status, const TracePage &page) {
                          if (!status.ok()) {
                              untrusted::setLabel(m_status, QStringLiteral("✗ ") + status.message);
                              m_more->setEnabled(!m_next.isNull());
                              return;
                          }
                          if (append)
                              m_model->append(page.rows);
                          else
                              m_model->replace(page.rows);
                          m_next = page.next;
                          m_more->setEnabled(!m_next.isNull());
                          QString s = tr("%1 sessions%2, newest first · %3 ms")
                                          .arg(m_model->rowCount())
                                          .arg(m_next.isNull() ? QString() : tr(" (more)"))
                                          .arg(status.elapsedMs);
                          if (!page.badRows.isEmpty())
                              s += tr(" · ⚠ %1 unreadable rows: %2")
                                       .arg(page.badRows.size())
                                       .arg(page.badRows.first());
                          untrusted::setLabel(m_status, s); // a bad row quotes its value
                          Q_EMIT searched(m_model->rowCount(), !m_next.isNull());
                      });
}

void TraceSearchView::openRow(const QModelIndex &index)
{
    const QString id = index.data(TraceSessionModel::SessionIdRole).toString();
    if (!id.isEmpty())
        Q_EMIT openTraceRequested(id);
}

} // namespace switchboard
