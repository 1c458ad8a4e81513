#include "widgets/ViewSetup.h"

#include "models/UntrustedText.h"
#include "widgets/ClearButton.h"

#include <QAbstractItemView>
#include <QClipboard>
#include <QGuiApplication>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMenu>
#include <QPersistentModelIndex>
#include <QPointer>
#include <QShortcut>
#include <QTableView>
#include <QTreeView>

#include <algorithm>
#include <utility>
#include <vector>

namespace switchboard::viewsetup {

namespace {

const QString kBehaviourName = QStringLiteral("switchboard-viewsetup");
const QString kFindName = QStringLiteral("switchboard-viewsetup-find");

QHeaderView *headerOf(const QAbstractItemView *view)
{
    if (const auto *tree = qobject_cast<const QTreeView *>(view))
        return tree->header();
    if (const auto *table = qobject_cast<const QTableView *>(view))
        return table->horizontalHeader();
    return nullptr;
}

bool isCopy(QEvent *event)
{
    return (event->type() == QEvent::KeyPress || event->type() == QEvent::ShortcutOverride)
        && static_cast<QKeyEvent *>(event)->matches(QKeySequence::Copy);
}

// A view's set-up: its options, its filter bar, and Ctrl+C (an event filter: the stock
// QAbstractItemView copies the current cell only, and a window shortcut must not take it).
class ViewBehaviour : public QObject
{
public:
    explicit ViewBehaviour(QAbstractItemView *view)
        : QObject(view)
        , m_view(view)
    {
        setObjectName(kBehaviourName);
        view->installEventFilter(this);
    }

    Options options;
    QPointer<QLineEdit> filter;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (watched != m_view || !isCopy(event))
            return false;
        event->accept();
        if (event->type() == QEvent::KeyPress)
            copySelectedRows(m_view);
        return true;
    }

private:
    QAbstractItemView *m_view;
};

ViewBehaviour *behaviourOf(QAbstractItemView *view)
{
    if (auto *found = view->findChild<QObject *>(kBehaviourName, Qt::FindDirectChildrenOnly))
        return static_cast<ViewBehaviour *>(found);
    return new ViewBehaviour(view);
}

// Esc in a filter bar: empty it, back to the view.
class FilterKeys : public QObject
{
public:
    FilterKeys(QLineEdit *edit, QAbstractItemView *view)
        : QObject(edit)
        , m_edit(edit)
        , m_view(view)
    {
        edit->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (watched != m_edit
            || (event->type() != QEvent::KeyPress && event->type() != QEvent::ShortcutOverride))
            return false;
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() != Qt::Key_Escape || key->modifiers() != Qt::NoModifier)
            return false;
        event->accept();
        if (event->type() == QEvent::KeyPress) {
            m_edit->clear();
            if (m_view)
                m_view->setFocus(Qt::ShortcutFocusReason);
        }
        return true;
    }

private:
    QLineEdit *m_edit;
    QPointer<QAbstractItemView> m_view;
};

// Ctrl+F of one parent's filter bars: the bar of the focused view, else the first visible.
class FindShortcut : public QShortcut
{
public:
    explicit FindShortcut(QWidget *scope)
        : QShortcut(QKeySequence::Find, scope)
    {
        setObjectName(kFindName);
        connect(this, &QShortcut::activated, this, &FindShortcut::focusFilter);
    }

    void add(QLineEdit *edit, QAbstractItemView *view) { m_bars.push_back({edit, view}); }

private:
    void focusFilter()
    {
        QLineEdit *target = nullptr;
        for (const auto &[edit, view] : m_bars) {
            if (!edit)
                continue;
            if (view && view->hasFocus()) {
                target = edit;
                break;
            }
            if (!target && edit->isVisible())
                target = edit;
        }
        if (!target)
            return;
        target->setFocus(Qt::ShortcutFocusReason);
        target->selectAll();
    }

    std::vector<std::pair<QPointer<QLineEdit>, QPointer<QAbstractItemView>>> m_bars;
};

// Where a row is in the model's tree: rows from the root, for sorting into view order.
QList<int> pathOf(QModelIndex index)
{
    QList<int> path;
    for (; index.isValid(); index = index.parent())
        path.prepend(index.row());
    return path;
}

QString cellLine(const QModelIndex &index)
{
    QString text = untrusted::visible(index.data(Qt::DisplayRole).toString());
    for (QChar &c : text) {
        if (c == QLatin1Char('\t') || c == QLatin1Char('\n'))
            c = QLatin1Char(' ');
    }
    return text;
}

QString shortcutText(QKeySequence::StandardKey key)
{
    return QKeySequence(key).toString(QKeySequence::NativeText);
}

} // namespace

void setupView(QAbstractItemView *view, const Options &options)
{
    ViewBehaviour *behaviour = behaviourOf(view);
    behaviour->options = options;
    if (QLineEdit *edit = options.filter) {
        behaviour->filter = edit;
        new FilterKeys(edit, view);
        QWidget *scope = edit->parentWidget() ? edit->parentWidget() : edit;
        auto *find = static_cast<FindShortcut *>(
            scope->findChild<QShortcut *>(kFindName, Qt::FindDirectChildrenOnly));
        if (!find)
            find = new FindShortcut(scope);
        find->add(edit, view);
    }
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    if (auto *tree = qobject_cast<QTreeView *>(view)) {
        tree->setUniformRowHeights(true);
        tree->setSortingEnabled(options.sortable);
    } else if (auto *table = qobject_cast<QTableView *>(view)) {
        table->setSortingEnabled(options.sortable);
    }
    if (QHeaderView *header = headerOf(view)) {
        header->setSectionsMovable(true);
        header->setContextMenuPolicy(Qt::CustomContextMenu);
        QObject::connect(header, &QWidget::customContextMenuRequested, header,
                         [header](const QPoint &pos) {
                             QMenu *menu = columnMenu(header, header);
                             menu->setAttribute(Qt::WA_DeleteOnClose);
                             menu->popup(header->mapToGlobal(pos));
                         });
    }
    view->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(view, &QWidget::customContextMenuRequested, view, [view](const QPoint &pos) {
        QMenu *menu = contextMenu(view, view->indexAt(pos), view);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(view->viewport()->mapToGlobal(pos));
    });
}

QLineEdit *filterBar(QWidget *parent, const QString &placeholder, const QString &keys)
{
    auto *edit = new QLineEdit(parent);
    edit->setPlaceholderText(keys.isEmpty()
                                 ? QStringLiteral("%1 (Ctrl+F)").arg(placeholder)
                                 : QStringLiteral("%1 (Ctrl+F, %2)").arg(placeholder, keys));
    enableClearButton(edit);
    return edit;
}

QString selectedRowsText(const QAbstractItemView *view)
{
    const QAbstractItemModel *model = view->model();
    if (!model)
        return {};
    std::vector<std::pair<QList<int>, QModelIndex>> rows;
    if (const QItemSelectionModel *selection = view->selectionModel()) {
        for (const QItemSelectionRange &range : selection->selection()) {
            for (int row = range.top(); row <= range.bottom(); ++row) {
                const QModelIndex first = model->index(row, 0, range.parent());
                rows.emplace_back(pathOf(first), first);
            }
        }
    }
    if (rows.empty() && view->currentIndex().isValid()) {
        const QModelIndex first = view->currentIndex().siblingAtColumn(0);
        rows.emplace_back(pathOf(first), first);
    }
    std::sort(rows.begin(), rows.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    rows.erase(std::unique(rows.begin(), rows.end(),
                           [](const auto &a, const auto &b) { return a.first == b.first; }),
               rows.end());

    QList<int> columns; // visible ones, in the order the header shows them
    if (const QHeaderView *header = headerOf(view)) {
        for (int visual = 0; visual < header->count(); ++visual) {
            const int logical = header->logicalIndex(visual);
            if (!header->isSectionHidden(logical))
                columns << logical;
        }
    } else {
        columns << 0;
    }
    QStringList lines;
    lines.reserve(qsizetype(rows.size()));
    for (const auto &row : rows) {
        QStringList cells;
        for (int column : std::as_const(columns))
            cells << cellLine(row.second.siblingAtColumn(column));
        lines << cells.join(QLatin1Char('\t'));
    }
    return lines.isEmpty() ? QString() : lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QString cellText(const QModelIndex &index)
{
    return untrusted::visible(index.data(Qt::DisplayRole).toString());
}

void copySelectedRows(const QAbstractItemView *view)
{
    const QString text = selectedRowsText(view);
    if (!text.isEmpty())
        QGuiApplication::clipboard()->setText(text); // text/plain only
}

QMenu *contextMenu(QAbstractItemView *view, const QModelIndex &index, QWidget *parent)
{
    ViewBehaviour *behaviour = behaviourOf(view);
    auto *menu = new QMenu(parent);
    const QList<QAction *> own = view->actions();
    menu->addActions(own);
    if (behaviour->options.menu)
        behaviour->options.menu(menu, index);
    if (!menu->isEmpty())
        menu->addSeparator();
    const QPointer<QAbstractItemView> guard(view);
    QAction *copy
        = menu->addAction(QStringLiteral("Copy\t%1").arg(shortcutText(QKeySequence::Copy)));
    copy->setEnabled(view->currentIndex().isValid()
                     || (view->selectionModel() && view->selectionModel()->hasSelection()));
    QObject::connect(copy, &QAction::triggered, menu, [guard] {
        if (guard)
            copySelectedRows(guard);
    });
    QAction *cell = menu->addAction(QStringLiteral("Copy cell"));
    cell->setEnabled(index.isValid());
    QObject::connect(cell, &QAction::triggered, menu, [cellIndex = QPersistentModelIndex(index)] {
        if (cellIndex.isValid())
            QGuiApplication::clipboard()->setText(cellText(cellIndex));
    });
    if (const QPointer<QLineEdit> filter = behaviour->filter) {
        QAction *find
            = menu->addAction(QStringLiteral("Filter\t%1").arg(shortcutText(QKeySequence::Find)));
        QObject::connect(find, &QAction::triggered, menu, [filter] {
            if (!filter)
                return;
            filter->setFocus(Qt::ShortcutFocusReason);
            filter->selectAll();
        });
    }
    return menu;
}

QMenu *columnMenu(QHeaderView *header, QWidget *parent)
{
    auto *menu = new QMenu(parent);
    const QAbstractItemModel *model = header->model();
    for (int visual = 0; model && visual < header->count(); ++visual) {
        const int logical = header->logicalIndex(visual);
        QString title = model->headerData(logical, header->orientation()).toString();
        if (title.isEmpty())
            title = QStringLiteral("Column %1").arg(logical + 1);
        QAction *action = menu->addAction(title.replace(QLatin1Char('&'), QStringLiteral("&&")));
        action->setCheckable(true);
        action->setChecked(!header->isSectionHidden(logical));
        action->setEnabled(logical != 0); // the first column always shows
        QObject::connect(action, &QAction::toggled, header,
                         [header, logical](bool on) { header->setSectionHidden(logical, !on); });
    }
    return menu;
}

} // namespace switchboard::viewsetup
