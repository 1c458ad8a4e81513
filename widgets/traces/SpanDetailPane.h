#pragma once
// The detail pane of one span: overview (error, attributes, recovery events on this span,
// prompt version link, process events of its host around that time), the full prompt
// with its injected segments, the input and the output (text or JSON tree).
#include "core/services/TraceSnapshot.h"
#include "core/types/SpanPayload.h"

#include <QWidget>

class QLabel;
class QTabWidget;
class QTextBrowser;

namespace switchboard {

class PayloadView;

class SpanDetailPane : public QWidget
{
    Q_OBJECT
public:
    explicit SpanDetailPane(QWidget *parent = nullptr);
    // The tree columns are known at once; the payload follows.
    void showSpan(const TraceSnapshotPtr &trace, int node);
    void setPayload(const SpanPayload &payload);
    void setFailed(const QString &message);
    void clear();

    PayloadView *view(payload::Which which) const;
    PayloadView *promptView() const { return m_prompt; }
    QTabWidget *tabs() const { return m_tabs; }
    QString overviewText() const;
    int node() const { return m_node; }

Q_SIGNALS:
    void showPromptRequested(const QString &agent, int version);
    // which: the payload view asking; the prompt lives on promptSpanId's output.
    void showAllRequested(const QString &spanId, switchboard::payload::Which which, qint64 from,
                          qint64 total, switchboard::PayloadView *target);

private:
    void renderOverview(const SpanPayload *payload);

    QLabel *m_header;
    QTabWidget *m_tabs;
    QTextBrowser *m_overview;
    PayloadView *m_prompt;
    PayloadView *m_input;
    PayloadView *m_output;
    TraceSnapshotPtr m_trace;
    int m_node = -1;
    QString m_promptSpanId;
};

} // namespace switchboard
