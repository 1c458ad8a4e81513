#pragma once
// One session's trace: the span tree with its waterfall and token columns, the detail
// pane of the opened span, search inside the trace, export. Keyboard: j/k next/previous
// span (tree order), Enter opens, Esc goes back (detail -> tree -> search), Ctrl+F
// searches, F3 / Shift+F3 next / previous match.
#include "core/types/SpanPayload.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QTreeView;

namespace switchboard {

class PayloadView;
class SpanDetailPane;
class TraceActions;
class TraceTreeModel;

class TraceInspector : public QWidget
{
    Q_OBJECT
public:
    // The model becomes the inspector's child; actions stays its owner's.
    TraceInspector(TraceTreeModel *model, TraceActions *actions, QWidget *parent = nullptr);

    void openSession(const QString &sessionId);
    QString sessionId() const { return m_sessionId; }
    TraceTreeModel *model() const { return m_model; }
    QTreeView *tree() const { return m_tree; }
    SpanDetailPane *detail() const { return m_detail; }
    QString statusText() const;

    // Moves the selection to node (expanding its ancestors); open also loads its payload.
    void selectNode(int node, bool open = false);
    int currentNode() const;
    void openCurrent();
    // In-trace search: the next node after the current one matching text (wraps).
    int findNext(const QString &text, bool backwards = false);
    // Audit row first, then the files (TraceActions::exportSession); the status line says
    // which step failed, and nothing is written when the audit row is not.
    void exportTo(const QString &htmlPath, const QString &jsonPath, const QStringList &patterns,
                  const QString &reason, bool redactIds = false);

Q_SIGNALS:
    void backRequested();
    void loaded(int spans);
    void loadFailed(const QString &message);
    void spanOpened(int node);
    void exported(const QString &summary);
    void showPromptRequested(const QString &agent, int version);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void setStatus(const QString &text);
    void showAll(const QString &spanId, payload::Which which, qint64 from, qint64 total,
                 PayloadView *target);

    QPointer<TraceActions> m_actions;
    TraceTreeModel *m_model;
    QLabel *m_title;
    QLabel *m_status;
    QLineEdit *m_find;
    QPushButton *m_export;
    QTreeView *m_tree;
    SpanDetailPane *m_detail;
    QString m_sessionId;
};

} // namespace switchboard
