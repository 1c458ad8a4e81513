#pragma once
// One payload (input, output or assembled prompt) of a span: its first part as text,
// the size, whether it is JSON (tree view) or broken JSON (said so), and "show all",
// which loads the rest. A payload of tens of megabytes is shown in parts of kPartChars
// (◀ ▶ page through them): one QTextDocument holding 20 MB stalls the event loop for
// 100+ ms each time its buffer grows, a part never does.
#include "core/types/SpanPayload.h"

#include <QList>
#include <QVarLengthArray>
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
    static constexpr int kPartChars = payload::kHeadChars; // shown at once

    explicit PayloadView(QWidget *parent = nullptr);
    void clear(const QString &message);
    void setPayload(const PayloadText &payload);
    // A part from "show all"; offset in characters.
    void appendPart(qint64 offset, const QString &part, bool last);
    void setFailed(const QString &message);
    // What the payload is ("Span input"): the accessible names of its controls.
    void setSubject(const QString &subject);

    qint64 loadedChars() const { return m_received; }
    qint64 totalChars() const { return m_total; }
    int partCount() const { return int(m_parts.size()); }
    int currentPart() const { return m_part; }
    void showPart(int part);
    QString partText(int part) const;
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
    // The text as it arrived (1 M characters per chunk), never copied: cutting each chunk
    // into QString parts cost ~10 ms of page faults and copies per chunk on the GUI thread.
    // A part is at most two pieces (the top-up of the previous chunk's last part).
    struct Piece
    {
        int chunk = 0;
        qint64 from = 0;
        qint64 length = 0;
    };
    using Part = QVarLengthArray<Piece, 2>;
    static qint64 lengthOf(const Part &part);
    QList<QString> m_chunks;
    QList<Part> m_parts;
    qint64 m_shownLength = -1; // characters of m_part in the editor; -1 = none shown
    int m_part = 0;
    qint64 m_received = 0;
    qint64 m_total = 0;
    bool m_lastReceived = false;
    QString m_note;
};

} // namespace switchboard
