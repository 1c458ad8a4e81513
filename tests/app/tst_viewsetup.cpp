// The one view set-up (widgets/ViewSetup): Ctrl+F focuses the filter bar of the focused
// view, Esc empties it and returns to the view; Ctrl+C and the context menu's Copy put the
// selected rows on the clipboard as tab-separated plain text of the visible columns in
// view order (no HTML, control characters made visible, one line per row); Copy cell one
// cell; the header menu hides and shows columns but never the first; the view's own menu
// entries stay.
#include "widgets/ViewSetup.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QMimeData>
#include <QStandardItemModel>
#include <QTableView>
#include <QTest>
#include <QTreeView>
#include <QVBoxLayout>

using namespace switchboard;

namespace {

QStandardItemModel *makeModel(QObject *parent)
{
    auto *model = new QStandardItemModel(4, 3, parent);
    model->setHorizontalHeaderLabels(
        {QStringLiteral("Id"), QStringLiteral("Agent"), QStringLiteral("Note")});
    for (int r = 0; r < 4; ++r) {
        for (int c = 0; c < 3; ++c)
            model->setItem(r, c, new QStandardItem(QStringLiteral("r%1c%2").arg(r).arg(c)));
    }
    return model;
}

QAction *actionNamed(QMenu *menu, const QString &prefix)
{
    const QList<QAction *> actions = menu->actions();
    for (QAction *a : actions) {
        if (a->text().startsWith(prefix))
            return a;
    }
    return nullptr;
}

void selectRows(QAbstractItemView *view, const QList<int> &rows)
{
    view->selectionModel()->clearSelection();
    for (int r : rows)
        view->selectionModel()->select(view->model()->index(r, 0),
                                       QItemSelectionModel::Select | QItemSelectionModel::Rows);
}

} // namespace

class TestViewSetup : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_window = std::make_unique<QWidget>();
        auto *layout = new QVBoxLayout(m_window.get());
        m_table = new QTableView(m_window.get());
        m_table->setModel(makeModel(m_table));
        m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
        m_ownMenu = 0;
        viewsetup::Options options;
        options.menu = [this](QMenu *menu, const QModelIndex &index) {
            ++m_ownMenu;
            menu->addAction(QStringLiteral("Open %1").arg(index.row()));
        };
        m_filter = viewsetup::filterBar(m_window.get(), QStringLiteral("Filter rows"));
        options.filter = m_filter;
        viewsetup::setupView(m_table, options);
        QVERIFY(m_table->isSortingEnabled());
        m_table->sortByColumn(0, Qt::AscendingOrder); // rows in model order
        layout->addWidget(m_filter);
        layout->addWidget(m_table);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QGuiApplication::clipboard()->clear();
    }

    void cleanup() { m_window.reset(); }

    void filterBarKeys()
    {
        QCOMPARE(m_filter->placeholderText(), QStringLiteral("Filter rows (Ctrl+F)"));
        QVERIFY(m_filter->isClearButtonEnabled());
        m_filter->setText(QStringLiteral("r1"));
        m_table->setFocus();
        QVERIFY(m_table->hasFocus());
        QTest::keyClick(m_table, Qt::Key_F, Qt::ControlModifier);
        QVERIFY(m_filter->hasFocus());
        QCOMPARE(m_filter->selectedText(), QStringLiteral("r1")); // typing replaces it
        QTest::keyClick(m_filter, Qt::Key_Escape);
        QCOMPARE(m_filter->text(), QString());
        QVERIFY(m_table->hasFocus());
        // Esc on the view is left alone (the view or its window may use it).
        QTest::keyClick(m_table, Qt::Key_Escape);
        QVERIFY(m_table->hasFocus());
    }

    void ctrlFPicksTheFocusedViewsFilter()
    {
        auto *second = new QTableView(m_window.get());
        second->setModel(makeModel(second));
        QLineEdit *secondFilter
            = viewsetup::filterBar(m_window.get(), QStringLiteral("Filter more"));
        viewsetup::Options options;
        options.filter = secondFilter;
        viewsetup::setupView(second, options);
        m_window->layout()->addWidget(secondFilter);
        m_window->layout()->addWidget(second);
        QTRY_VERIFY(second->isVisible());
        second->setFocus();
        QTest::keyClick(second, Qt::Key_F, Qt::ControlModifier);
        QVERIFY(secondFilter->hasFocus());
        m_table->setFocus();
        QTest::keyClick(m_table, Qt::Key_F, Qt::ControlModifier);
        QVERIFY(m_filter->hasFocus());
        // Neither view focused: the first visible filter bar under that parent.
        auto *elsewhere = new QLineEdit(m_window.get());
        m_window->layout()->addWidget(elsewhere);
        QTRY_VERIFY(elsewhere->isVisible());
        elsewhere->setFocus();
        QTest::keyClick(elsewhere, Qt::Key_F, Qt::ControlModifier);
        QVERIFY(m_filter->hasFocus());
        m_filter->hide();
        elsewhere->setFocus();
        QTest::keyClick(elsewhere, Qt::Key_F, Qt::ControlModifier);
        QVERIFY(secondFilter->hasFocus());
    }

    void ctrlCCopiesSelectedRowsAsPlainText()
    {
        selectRows(m_table, {2, 0}); // view order, not selection order
        m_table->setFocus();
        QTest::keyClick(m_table, Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(QGuiApplication::clipboard()->text(),
                 QStringLiteral("r0c0\tr0c1\tr0c2\nr2c0\tr2c1\tr2c2\n"));
        const QMimeData *mime = QGuiApplication::clipboard()->mimeData();
        QVERIFY(mime);
        QVERIFY(!mime->hasHtml());
        QCOMPARE(mime->formats(), QStringList {QStringLiteral("text/plain")});

        // A hidden column is not copied; a moved one is copied where it shows.
        m_table->setColumnHidden(1, true);
        m_table->horizontalHeader()->moveSection(2, 0); // Note, Id
        QTest::keyClick(m_table, Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("r0c2\tr0c0\nr2c2\tr2c0\n"));

        // Nothing selected: the current row.
        m_table->setCurrentIndex(m_table->model()->index(3, 1));
        m_table->selectionModel()->clearSelection();
        QTest::keyClick(m_table, Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("r3c2\tr3c0\n"));
    }

    void agentTextStaysOneLineAndVisible()
    {
        auto *model = static_cast<QStandardItemModel *>(m_table->model());
        model->item(1, 0)->setText(QStringLiteral("a\tb\nc<b>x</b>\u202Ed\x1B[2J"));
        selectRows(m_table, {1});
        viewsetup::copySelectedRows(m_table);
        const QString text = QGuiApplication::clipboard()->text();
        QCOMPARE(text.count(QLatin1Char('\n')), 1); // one row, one line
        QCOMPARE(text.count(QLatin1Char('\t')), 2); // three cells
        QVERIFY(text.startsWith(QStringLiteral("a b c<b>x</b>")));
        QVERIFY(!text.contains(QChar(0x202E)));
        QVERIFY(!text.contains(QChar(0x1B)));
        QVERIFY(!QGuiApplication::clipboard()->mimeData()->hasHtml());
    }

    void contextMenuKeepsTheViewsEntries()
    {
        auto *own = new QAction(QStringLiteral("Reload"), m_table);
        m_table->addAction(own);
        selectRows(m_table, {1});
        std::unique_ptr<QMenu> menu(
            viewsetup::contextMenu(m_table, m_table->model()->index(1, 2), m_window.get()));
        QCOMPARE(menu->actions().first(), own);
        QVERIFY(actionNamed(menu.get(), QStringLiteral("Open 1")));
        QCOMPARE(m_ownMenu, 1);
        QAction *copy = actionNamed(menu.get(), QStringLiteral("Copy\t"));
        QAction *cell = actionNamed(menu.get(), QStringLiteral("Copy cell"));
        QAction *filter = actionNamed(menu.get(), QStringLiteral("Filter"));
        QVERIFY(copy && cell && filter);
        copy->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("r1c0\tr1c1\tr1c2\n"));
        cell->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("r1c2"));
        filter->trigger();
        QVERIFY(m_filter->hasFocus());

        // No row under the cursor: no cell to copy.
        std::unique_ptr<QMenu> empty(viewsetup::contextMenu(m_table, {}, m_window.get()));
        QVERIFY(!actionNamed(empty.get(), QStringLiteral("Copy cell"))->isEnabled());
    }

    void headerMenuHidesAndShowsColumns()
    {
        QHeaderView *header = m_table->horizontalHeader();
        QVERIFY(header->sectionsMovable());
        QCOMPARE(header->contextMenuPolicy(), Qt::CustomContextMenu);
        std::unique_ptr<QMenu> menu(viewsetup::columnMenu(header, m_window.get()));
        const QList<QAction *> actions = menu->actions();
        QCOMPARE(actions.size(), 3);
        QCOMPARE(actions.at(0)->text(), QStringLiteral("Id"));
        QVERIFY(!actions.at(0)->isEnabled()); // the first column cannot be hidden
        QVERIFY(actions.at(2)->isChecked());
        actions.at(2)->trigger();
        QVERIFY(m_table->isColumnHidden(2));
        selectRows(m_table, {0});
        viewsetup::copySelectedRows(m_table);
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("r0c0\tr0c1\n"));
        std::unique_ptr<QMenu> again(viewsetup::columnMenu(header, m_window.get()));
        QVERIFY(!again->actions().at(2)->isChecked());
        again->actions().at(2)->trigger();
        QVERIFY(!m_table->isColumnHidden(2));
        QVERIFY(header->sectionSize(2) > 0);
    }

    void treeRowsInTreeOrder()
    {
        auto *model = new QStandardItemModel(0, 2, m_window.get());
        auto *host = new QStandardItem(QStringLiteral("host"));
        host->appendRow({new QStandardItem(QStringLiteral("app")),
                         new QStandardItem(QStringLiteral("online"))});
        model->appendRow({host, new QStandardItem(QStringLiteral("1 app"))});
        model->appendRow(
            {new QStandardItem(QStringLiteral("other")), new QStandardItem(QString())});
        auto *tree = new QTreeView(m_window.get());
        tree->setModel(model);
        tree->setSelectionMode(QAbstractItemView::ExtendedSelection);
        viewsetup::Options options;
        options.sortable = false;
        viewsetup::setupView(tree, options);
        QVERIFY(tree->uniformRowHeights());
        QVERIFY(!tree->isSortingEnabled());
        QCOMPARE(tree->selectionBehavior(), QAbstractItemView::SelectRows);
        m_window->layout()->addWidget(tree);
        tree->expandAll();
        const QModelIndex app = model->index(0, 0, model->index(0, 0));
        tree->selectionModel()->select(model->index(1, 0),
                                       QItemSelectionModel::Select | QItemSelectionModel::Rows);
        tree->selectionModel()->select(app,
                                       QItemSelectionModel::Select | QItemSelectionModel::Rows);
        tree->selectionModel()->select(model->index(0, 0),
                                       QItemSelectionModel::Select | QItemSelectionModel::Rows);
        tree->setFocus();
        QTest::keyClick(tree, Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(QGuiApplication::clipboard()->text(),
                 QStringLiteral("host\t1 app\napp\tonline\nother\t\n"));
    }

private:
    std::unique_ptr<QWidget> m_window;
    QTableView *m_table = nullptr;
    QLineEdit *m_filter = nullptr;
    int m_ownMenu = 0;
};

QTEST_MAIN(TestViewSetup)
#include "tst_viewsetup.moc"
