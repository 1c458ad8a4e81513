#pragma once
// One payload (input, output or assembled prompt) of a span: its first part as text,
// the size, whether it is JSON (tree view) or broken JSON (said so), and "show all",
// which asks for the rest. Arriving parts are appended a slice per event-loop pass, so a
// payload of tens of megabytes never freezes the window.
#include "core/services/PayloadLoader.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTimer;

namespace switchboard {

class JsonTreeWidget;

class PayloadView : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kSliceChars = 64 * 1024; // appended per event-loop pass

    explicit PayloadView(bool highlightPrompt, QWidget *parent = nullptr);
    void clear(const QString &message);
    void setPayload(const PayloadText &payload);
    // A part from "show all"; offset in characters.
    void appendPart(qint64 offset, const QString &part, bool last);
    void setFailed(const QString &message);

    qint64 shownChars() const { return m_shown; }
    qint64 totalChars() const { return m_total; }
    bool appending() const { return !m_pending.isEmpty(); }
    QString statusText() const;
    QPlainTextEdit *editor() const { return m_text; }

Q_SIGNALS:
    void showAllRequested(qint64 from, qint64 total);
    void fullyShown();

private:
    void drain();
    void updateStatus();

    QLabel *m_status;
    QPushButton *m_showAll;
    QPushButton *m_asTree;
    QStackedWidget *m_stack;
    QPlainTextEdit *m_text;
    JsonTreeWidget *m_tree;
    QTimer *m_drain;
    QStringList m_pending;
    qint64 m_shown = 0;
    qint64 m_received = 0;
    qint64 m_total = 0;
    bool m_lastReceived = false;
    QString m_note;
};

} // namespace switchboard
