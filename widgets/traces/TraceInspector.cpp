#include "widgets/traces/TraceInspector.h"

#include "models/TraceTreeModel.h"
#include "widgets/UntrustedLabel.h"
#include "widgets/ViewSetup.h"
#include "widgets/traces/ExportDialog.h"
#include "widgets/traces/PayloadView.h"
#include "widgets/traces/SpanDetailPane.h"
#include "widgets/traces/TraceActions.h"
#include "widgets/traces/WaterfallDelegate.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QRegularExpression>
#include <QShortcut>
#include <QSplitter>
#include <QTreeView>
#include <QVBoxLayout>

namespace switchboard {

TraceInspector::TraceInspector(TraceTreeModel *model, TraceActions *actions, QWidget *parent)
    : QWidget(parent)
    , m_actions(actions)
    , m_model(model)
    , m_title(new QLabel(this))
    , m_status(new QLabel(this))
    , m_find(viewsetup::filterBar(this, tr("Find in trace"), tr("Enter / F3 next")))
    , m_export(new QPushButton(tr("Export…"), this))
    , m_tree(new QTreeView(this))
    , m_detail(new SpanDetailPane(this))
{
    m_model->setParent(this);
    auto *back = new QPushButton(tr("← Search"), this);
    back->setToolTip(tr("Back to the session search (Esc)"));
    back->setAccessibleName(tr("Back to search"));
    back->setAccessibleDescription(back->toolTip());
    // Rich text built here; every value agents wrote goes through untrusted::html().
    m_title->setTextFormat(Qt::RichText);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    untrusted::makePlain(m_status);
    m_find->setMaximumWidth(320);
    m_find->setAccessibleName(tr("Find in trace"));
    m_find->setAccessibleDescription(tr("Enter or F3 selects the next span whose name or "
                                        "attributes contain this; Shift+F3 the previous"));
    m_export->setAccessibleName(tr("Export trace"));
    m_export->setAccessibleDescription(
        tr("Writes the trace as an HTML and a JSON report, with redaction"));
    m_export->setEnabled(false);
    auto *top = new QHBoxLayout;
    top->addWidget(back);
    top->addWidget(m_title, 1);
    top->addWidget(m_find);
    top->addWidget(m_export);

    m_tree->setModel(m_model);
    viewsetup::Options setup;
    setup.sortable = false; // tree order is time order
    setup.filter = m_find; // finds (Enter, F3) instead of filtering
    setup.menu = [this](QMenu *menu, const QModelIndex &index) {
        if (index.isValid())
            connect(menu->addAction(tr("Open span\tEnter")), &QAction::triggered, this,
                    [this] { openCurrent(); });
    };
    viewsetup::setupView(m_tree, setup); // uniform row heights: 100 000 rows, no size queries
    m_tree->setItemDelegateForColumn(TraceTreeModel::Waterfall, new WaterfallDelegate(m_tree));
    m_tree->setAllColumnsShowFocus(true);
    m_tree->setAccessibleName(tr("Trace spans"));
    m_tree->setAccessibleDescription(
        tr("Every turn, prompt, model call and tool call of the session as a tree, with "
           "duration, tokens and status; failed spans say 'error' in the status column"));
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->resizeSection(TraceTreeModel::Name, 300);
    m_tree->header()->resizeSection(TraceTreeModel::Waterfall, 200);
    for (int c = TraceTreeModel::Kind; c < TraceTreeModel::ColumnCount; ++c) {
        if (c != TraceTreeModel::Waterfall)
            m_tree->header()->resizeSection(c, c == TraceTreeModel::Status ? 110 : 78);
    }
    m_tree->installEventFilter(this);
    m_detail->installEventFilter(this);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_tree);
    split->addWidget(m_detail);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);

    connect(back, &QPushButton::clicked, this, &TraceInspector::backRequested);
    connect(m_tree, &QTreeView::activated, this, [this] { openCurrent(); });
    connect(m_find, &QLineEdit::returnPressed, this, [this] { findNext(m_find->text()); });
    auto *next = new QShortcut(QKeySequence::FindNext, this);
    connect(next, &QShortcut::activated, this, [this] { findNext(m_find->text()); });
    auto *prev = new QShortcut(QKeySequence::FindPrevious, this);
    connect(prev, &QShortcut::activated, this, [this] { findNext(m_find->text(), true); });
    connect(m_detail, &SpanDetailPane::showPromptRequested, this,
            &TraceInspector::showPromptRequested);
    connect(m_detail, &SpanDetailPane::showAllRequested, this, &TraceInspector::showAll);
    connect(m_export, &QPushButton::clicked, this, [this] {
        ExportDialog dialog(m_sessionId, this);
        if (dialog.exec() == QDialog::Accepted)
            exportTo(dialog.htmlPath(), dialog.jsonPath(), dialog.patterns(), dialog.reason(),
                     dialog.redactIds());
    });
}

void TraceInspector::setStatus(const QString &text)
{
    untrusted::setLabel(m_status, text, untrusted::kMessageChars);
}

QString TraceInspector::statusText() const
{
    return m_status->text();
}

void TraceInspector::openSession(const QString &sessionId)
{
    m_sessionId = sessionId.trimmed();
    m_title->setText(tr("Session <tt>%1</tt> · loading…").arg(untrusted::html(m_sessionId, 200)));
    m_export->setEnabled(false);
    m_detail->clear();
    m_model->setSnapshot({});
    if (!m_actions)
        return;
    m_actions->cancelPayloads();
    setStatus(tr("loading the span tree…"));
    m_actions->loadTrace(
        m_sessionId, this, [this](const TraceReply &status, const TraceSnapshotPtr &trace) {
            if (!status.ok() || !trace) {
                m_title->setText(tr("Session <tt>%1</tt>").arg(untrusted::html(m_sessionId, 200)));
                setStatus(QStringLiteral("✗ ") + status.message);
                if (status.code
                    != TraceReply::Cancelled) // superseded by a newer open: not a failure
                    Q_EMIT loadFailed(status.message);
                return;
            }
            m_model->setSnapshot(trace);
            if (trace->nodes.isEmpty()) {
                m_title->setText(
                    tr("Session <tt>%1</tt> · no spans").arg(untrusted::html(m_sessionId, 200)));
                setStatus(
                    tr("No spans recorded for this session (a wrong id, or not written yet)."));
                Q_EMIT loaded(0);
                return;
            }
            // A handful of turns open; the rest on demand (expanding 10 000 turns costs).
            for (int r = 0; r < std::min<int>(20, int(trace->roots.size())); ++r)
                m_tree->expand(m_model->index(r, 0));
            m_export->setEnabled(true);
            m_title->setText(
                tr("Session <tt>%1</tt> · %2 · %3 turns · %4 spans")
                    .arg(untrusted::html(m_sessionId, 200), untrusted::html(trace->agent, 200))
                    .arg(trace->roots.size())
                    .arg(trace->nodes.size()));
            QString s = tr("%1 spans, %2 with errors, %3 recovery events · fetched in %4 ms, "
                           "built in %5 ms")
                            .arg(trace->nodes.size())
                            .arg(trace->errorSpans)
                            .arg(trace->recoveryEvents.size())
                            .arg(trace->fetchMs)
                            .arg(trace->buildMs);
            if (trace->orphans > 0)
                s += tr(" · ⚠ %1 spans whose parent is missing (shown as roots)")
                         .arg(trace->orphans);
            setStatus(s);
            selectNode(0);
            m_tree->setFocus();
            Q_EMIT loaded(int(trace->nodes.size()));
        });
}

int TraceInspector::currentNode() const
{
    return m_model->nodeOf(m_tree->currentIndex());
}

void TraceInspector::selectNode(int node, bool open)
{
    const TraceSnapshotPtr &trace = m_model->snapshot();
    if (!trace || node < 0 || node >= trace->nodes.size())
        return;
    for (int p = trace->nodes[node].parent; p >= 0; p = trace->nodes[p].parent)
        m_tree->expand(m_model->indexOfNode(p));
    const QModelIndex index = m_model->indexOfNode(node);
    m_tree->setCurrentIndex(index);
    m_tree->scrollTo(index);
    if (open)
        openCurrent();
}

void TraceInspector::openCurrent()
{
    const int node = currentNode();
    const TraceSnapshotPtr &trace = m_model->snapshot();
    if (!trace || node < 0 || !m_actions)
        return;
    const TraceNode &n = trace->nodes[node];
    m_detail->showSpan(trace, node);
    m_actions->openPayload(n.spanId, n.host, n.startedAt, n.startedAt + qint64(n.durationMs), this,
                           [this](const TraceReply &status, const SpanPayload &payload) {
                               if (!status.ok()) {
                                   m_detail->setFailed(status.message);
                                   return;
                               }
                               m_detail->setPayload(payload);
                           });
    Q_EMIT spanOpened(node);
}

void TraceInspector::showAll(const QString &spanId, payload::Which which, qint64 from, qint64 total,
                             PayloadView *target)
{
    if (!m_actions)
        return;
    m_actions->fetchRest(
        spanId, which, from, total, target,
        [target](const TraceReply &status, qint64 offset, const QString &part, bool last) {
            if (!status.ok()) {
                target->setFailed(status.message);
                return;
            }
            target->appendPart(offset, part, last);
        });
}

int TraceInspector::findNext(const QString &text, bool backwards)
{
    const TraceSnapshotPtr &trace = m_model->snapshot();
    if (!trace || text.isEmpty() || trace->nodes.isEmpty())
        return -1;
    const int count = int(trace->nodes.size());
    const int start = std::max(0, currentNode());
    for (int step = 1; step <= count; ++step) {
        const int i = ((backwards ? start - step : start + step) % count + count) % count;
        const TraceNode &n = trace->nodes[i];
        if (n.name.contains(text, Qt::CaseInsensitive) || n.spanId == text
            || n.error.contains(text, Qt::CaseInsensitive)
            || n.errorType.contains(text, Qt::CaseInsensitive)
            || n.model.contains(text, Qt::CaseInsensitive)) {
            selectNode(i);
            setStatus(tr("match: %1").arg(n.name));
            return i;
        }
    }
    setStatus(tr("no span matches “%1”").arg(text));
    return -1;
}

bool TraceInspector::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() != QEvent::KeyPress)
        return QWidget::eventFilter(watched, event);
    auto *key = static_cast<QKeyEvent *>(event);
    if (watched == m_tree) {
        switch (key->key()) {
        case Qt::Key_J:
            selectNode(currentNode() + 1);
            return true;
        case Qt::Key_K:
            selectNode(currentNode() - 1);
            return true;
        case Qt::Key_Return:
        case Qt::Key_Enter:
            openCurrent();
            m_detail->tabs()->setFocus();
            return true;
        case Qt::Key_Escape:
            Q_EMIT backRequested();
            return true;
        default:
            break;
        }
    } else if (watched == m_detail && key->key() == Qt::Key_Escape) {
        m_tree->setFocus();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void TraceInspector::exportTo(const QString &htmlPath, const QString &jsonPath,
                              const QStringList &patterns, const QString &reason, bool redactIds)
{
    ExportOptions options;
    options.sessionId = m_sessionId;
    options.htmlPath = htmlPath;
    options.jsonPath = jsonPath;
    options.redactPatterns = patterns;
    options.redactIds = redactIds;
    options.reason = reason;
    if (!m_actions)
        return;
    setStatus(tr("exporting %1: collecting, then the audit row, then the files…").arg(m_sessionId));
    m_actions->exportSession(options, this, [this, options](const ExportResult &r) {
        if (r.stage != ExportResult::Stage::Written) {
            QString why = r.error;
            if (r.stage == ExportResult::Stage::Files)
                why += tr(" (audit row %1 records the export; no file of it was left)")
                           .arg(r.auditId);
            else
                why += tr(" (nothing written)");
            setStatus(QStringLiteral("✗ export failed: ") + why);
            Q_EMIT exported(QStringLiteral("failed: ") + why);
            return;
        }
        const QString done = tr("exported %1 spans, %2 recovery events, %3 redactions to %4 · "
                                "audited (row %5)")
                                 .arg(r.spans)
                                 .arg(r.recoveryEvents)
                                 .arg(r.redactions)
                                 .arg(QStringList({options.htmlPath, options.jsonPath})
                                          .filter(QRegularExpression(QStringLiteral(".")))
                                          .join(QStringLiteral(", ")))
                                 .arg(r.auditId);
        setStatus(done);
        Q_EMIT exported(done);
    });
}

} // namespace switchboard
