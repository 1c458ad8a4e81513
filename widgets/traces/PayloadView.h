#pragma once
// One payload (input, output or assembled prompt) of a span: its first part as text,
// the size, whether it is JSON (tree view) or broken JSON (said so), and "show all",
// which loads the rest. A payload of tens of megabytes is shown in parts of kPartChars
// (◀ ▶ page through them): one QTextDocument holding 20 MB stalls the event loop for
// 100+ ms each time its buffer grows, a part never does.
#include "core/services/PayloadLoader.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;

namespace switchboard {

class JsonTreeWidget;

class PayloadView : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kPartChars = PayloadLoader::kHeadChars; // shown at once

    explicit PayloadView(bool highlightPrompt, QWidget *parent = nullptr);
    void clear(const QString &message);
    void setPayload(const PayloadText &payload);
    // A part from "show all"; offset in characters.
    void appendPart(qint64 offset, const QString &part, bool last);
    void setFailed(const QString &message);

    qint64 loadedChars() const { return m_received; }
    qint64 totalChars() const { return m_total; }
    int partCount() const { return int(m_parts.size()); }
    int currentPart() const { return m_part; }
    void showPart(int part);
    QString partText(int part) const { return m_parts.value(part); }
    QString statusText() const;
    QPlainTextEdit *editor() const { return m_text; }

Q_SIGNALS:
    void showAllRequested(qint64 from, qint64 total);
    void fullyShown();

private:
    void updateStatus();

    QLabel *m_status;
    QPushButton *m_showAll;
    QPushButton *m_asTree;
    QPushButton *m_prev;
    QPushButton *m_next;
    QStackedWidget *m_stack;
    QPlainTextEdit *m_text;
    JsonTreeWidget *m_tree;
    QStringList m_parts;
    int m_part = 0;
    qint64 m_received = 0;
    qint64 m_total = 0;
    bool m_lastReceived = false;
    QString m_note;
};

} // namespace switchboard
