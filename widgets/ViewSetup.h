#pragma once
// One set-up for every view's table or tree (like hotspot's ResultsUtil), so a reader
// who learns one view knows the keys and menus of all of them:
// - setupView: rows selected whole, uniform row heights for trees, header sections
//   movable, sorting where the view sorts, a header menu to show and hide columns (not
//   the first), Ctrl+C and a context menu "Copy" (the selected rows as tab-separated
//   plain text of the visible columns, in view order) and "Copy cell"; the view's own
//   entries (its QWidget::actions() and Options::menu) come first in that menu.
// - filterBar: the line edit above a view, "<placeholder> (Ctrl+F)", a named clear
//   button; handed to setupView (Options::filter), Ctrl+F focuses and selects it, Esc
//   empties it and returns to the view.
// Looks (column widths, row height, stretch, alternating colours) stay the view's own.
// Copied text is DisplayRole, made visible (untrusted::visible) and one line per row:
// plain text only, never HTML, on the clipboard (agent data is untrusted).
#include <QModelIndex>
#include <QString>

#include <functional>

class QAbstractItemView;
class QHeaderView;
class QLineEdit;
class QMenu;
class QWidget;

namespace switchboard::viewsetup {

struct Options
{
    bool sortable = true; // a header click sorts (false: the view decides when it sorts)
    // The view's filter bar (filterBar). Ctrl+F is a shortcut of the bar's parent's
    // window; with several bars under one parent: the bar of the focused view, else the
    // first visible one.
    QLineEdit *filter = nullptr;
    // The view's own context-menu entries for the row under the cursor (index may be
    // invalid: no row there), added above Copy / Copy cell.
    std::function<void(QMenu *menu, const QModelIndex &index)> menu;
};

void setupView(QAbstractItemView *view, const Options &options = {});

// A filter box (its keys come with setupView). keys: more keys for the placeholder's
// parenthesis ("Enter / F3 next").
QLineEdit *filterBar(QWidget *parent, const QString &placeholder, const QString &keys = {});

// What Copy puts on the clipboard: the selected rows (the current row when none is
// selected), one line each, visible columns in view order, separated by tabs.
QString selectedRowsText(const QAbstractItemView *view);
QString cellText(const QModelIndex &index); // what Copy cell puts there
void copySelectedRows(const QAbstractItemView *view);

// The menus setupView shows (built for tests and the keyboard; the caller owns them).
QMenu *contextMenu(QAbstractItemView *view, const QModelIndex &index, QWidget *parent);
QMenu *columnMenu(QHeaderView *header, QWidget *parent);

} // namespace switchboard::viewsetup
