#include "widgets/traces/SpanDetailPane.h"

#include "core/contract/PromptMessages.h"
#include "models/TraceTreeModel.h"
#include "models/UntrustedText.h"
#include "widgets/StatusGlyph.h"
#include "widgets/traces/PayloadView.h"

#include <QDateTime>
#include <QLabel>
#include <QTabWidget>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

namespace switchboard {

namespace {
constexpr int kAttrsShown = 64 * 1024;

// The error and the muted colour of the current palette (readable on light and dark) put
// into HTML for %ERR% and %MUTED%.
QString styled(QString html, const QPalette &palette)
{
    return html.replace(QStringLiteral("%ERR%"), statusColor(StatusKind::Error, palette).name())
        .replace(QStringLiteral("%MUTED%"), palette.color(QPalette::PlaceholderText).name());
}

QString when(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}
} // namespace

SpanDetailPane::SpanDetailPane(QWidget *parent)
    : QWidget(parent)
    , m_header(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_overview(new QTextBrowser(this))
    , m_prompt(new PayloadView(this))
    , m_input(new PayloadView(this))
    , m_output(new PayloadView(this))
{
    // Rich text built here; every value agents wrote goes through untrusted::html().
    m_header->setTextFormat(Qt::RichText);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setWordWrap(true);
    m_overview->setOpenLinks(false);
    m_overview->setAccessibleName(tr("Span overview"));
    m_overview->setAccessibleDescription(tr("The selected span's timing, tokens, attributes "
                                            "and error"));
    m_tabs->setAccessibleName(tr("Span detail"));
    m_prompt->setSubject(tr("Assembled prompt"));
    m_input->setSubject(tr("Span input"));
    m_output->setSubject(tr("Span output"));
    m_tabs->addTab(m_overview, tr("Overview"));
    m_tabs->addTab(m_prompt, tr("Prompt"));
    m_tabs->addTab(m_input, tr("Input"));
    m_tabs->addTab(m_output, tr("Output"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 0, 0, 0);
    layout->addWidget(m_header);
    layout->addWidget(m_tabs, 1);
    connect(m_overview, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        // prompt:<agent>/<version>
        if (url.scheme() != QLatin1String("prompt"))
            return;
        const QStringList parts = url.path().split(QLatin1Char('/'));
        if (parts.size() == 2)
            Q_EMIT showPromptRequested(parts[0], parts[1].toInt());
    });
    auto wire = [this](PayloadView *v, payload::Which which, bool prompt) {
        connect(v, &PayloadView::showAllRequested, this,
                [this, v, which, prompt](qint64 from, qint64 total) {
                    if (!m_trace || m_node < 0)
                        return;
                    const QString id = prompt ? m_promptSpanId : m_trace->nodes[m_node].spanId;
                    Q_EMIT showAllRequested(id, which, from, total, v);
                });
    };
    wire(m_prompt, payload::Which::Output, true);
    wire(m_input, payload::Which::Input, false);
    wire(m_output, payload::Which::Output, false);
    clear();
}

PayloadView *SpanDetailPane::view(payload::Which which) const
{
    return which == payload::Which::Input ? m_input : m_output;
}

void SpanDetailPane::clear()
{
    m_trace.reset();
    m_node = -1;
    m_header->setText(tr("Select a span and press Enter to open it."));
    m_overview->clear();
    for (PayloadView *v : {m_prompt, m_input, m_output})
        v->clear(QString());
}

void SpanDetailPane::showSpan(const TraceSnapshotPtr &trace, int node)
{
    m_trace = trace;
    m_node = node;
    m_promptSpanId.clear();
    const TraceNode &n = trace->nodes[node];
    m_header->setText(
        QStringLiteral("<b>%1</b> · %2 · %3 · %4 ms · <span style='font-family:monospace'>%5"
                       "</span>")
            .arg(untrusted::html(n.name, 300), enumToText(n.kind),
                 n.status == SpanStatus::Error
                     ? styled(QStringLiteral("<span style='color:%ERR%'>✗ error</span>"), palette())
                     : QStringLiteral("✓ ") + enumToText(n.status))
            .arg(n.durationMs, 0, 'f', 0)
            .arg(untrusted::html(n.spanId, 300)));
    for (PayloadView *v : {m_prompt, m_input, m_output})
        v->clear(tr("loading…"));
    renderOverview(nullptr);
}

void SpanDetailPane::setPayload(const SpanPayload &p)
{
    if (!m_trace || m_node < 0 || p.spanId != m_trace->nodes[m_node].spanId)
        return;
    const TraceNode &n = m_trace->nodes[m_node];
    if (!p.found) {
        setFailed(tr("span %1 is no longer in agentops.spans").arg(p.spanId));
        return;
    }
    m_input->setPayload(p.input);
    m_output->setPayload(p.output);
    if (n.kind == SpanKind::Prompt) {
        m_promptSpanId = n.spanId;
        m_prompt->setPayload(p.output);
    } else if (!p.promptSpanId.isEmpty()) {
        m_promptSpanId = p.promptSpanId;
        m_prompt->setPayload(p.prompt);
    } else if (n.kind == SpanKind::Llm && p.input.json && parsePromptMessages(*p.input.json)) {
        // A model call that carries its prompt itself (the OpenTelemetry receiver's
        // gen_ai.input.messages): the same text as the Input tab.
        m_promptSpanId = n.spanId;
        m_prompt->setPayload(p.input);
    } else {
        m_prompt->clear(tr("this span has no assembled prompt (model calls and prompt spans do)"));
    }
    renderOverview(&p);
}

void SpanDetailPane::setFailed(const QString &message)
{
    for (PayloadView *v : {m_prompt, m_input, m_output})
        v->setFailed(message);
    m_overview->setHtml(styled(QStringLiteral("<p style='color:%ERR%'>✗ %1</p>"), palette())
                            .arg(untrusted::html(message)));
}

QString SpanDetailPane::overviewText() const
{
    return m_overview->toPlainText();
}

void SpanDetailPane::renderOverview(const SpanPayload *p)
{
    const TraceNode &n = m_trace->nodes[m_node];
    QString h;
    auto row = [this, &h](const QString &k, const QString &v) {
        h += styled(QStringLiteral("<tr><td style='color:%MUTED%;padding-right:12px'>%1</td>"
                                   "<td>%2</td></tr>"),
                    palette())
                 .arg(k, v);
    };
    h += QStringLiteral("<table>");
    row(tr("span"), QStringLiteral("<tt>%1</tt>").arg(untrusted::html(n.spanId, 300)));
    row(tr("started"), when(n.startedAt));
    row(tr("duration"), QStringLiteral("%1 ms").arg(n.durationMs, 0, 'f', 1));
    if (n.firstTokenAt >= 0)
        row(tr("time to first token"), QStringLiteral("%1 ms").arg(n.firstTokenAt - n.startedAt));
    if (!n.model.isEmpty())
        row(tr("model"), untrusted::html(n.model));
    if (!n.host.isEmpty())
        row(tr("host"), untrusted::html(n.host));
    row(tr("tokens in / out / cache read / write"),
        QStringLiteral("%1 / %2 / %3 / %4")
            .arg(TraceTreeModel::tokens(n.inputTokens), TraceTreeModel::tokens(n.outputTokens),
                 TraceTreeModel::tokens(n.cacheReadTokens),
                 TraceTreeModel::tokens(n.cacheWriteTokens)));
    row(tr("subtree"),
        tr("%1 spans, %2 tokens, %3 errors")
            .arg(n.subtreeSpans)
            .arg(TraceTreeModel::tokens(n.subtreeTokens))
            .arg(n.subtreeErrors));
    if (n.promptVersion > 0 && !m_trace->agent.isEmpty())
        row(tr("prompt version"),
            QStringLiteral("<a href='prompt:%1/%2'>%3 v%2 → prompts view</a>")
                .arg(QString::fromUtf8(QUrl::toPercentEncoding(m_trace->agent)))
                .arg(n.promptVersion)
                .arg(untrusted::html(m_trace->agent)));
    if (!n.problem.isEmpty())
        row(tr("problem"), QStringLiteral("⚠ ") + untrusted::html(n.problem));
    h += QStringLiteral("</table>");

    const QString error = p ? p->error : n.error;
    if (n.status == SpanStatus::Error || !error.isEmpty())
        h += styled(QStringLiteral("<h4 style='color:%ERR%'>✗ Error %1</h4><pre>%2</pre>"),
                    palette())
                 .arg(untrusted::html((p ? p->errorType : n.errorType)),
                      untrusted::html(error, kAttrsShown));

    h += QStringLiteral("<h4>Recovery events on this span</h4>");
    int events = 0;
    for (const RecoveryEvent &e : m_trace->recoveryEvents) {
        if (e.spanId != n.spanId)
            continue;
        ++events;
        h += QStringLiteral("<p>%1 · <b>%2</b> → %3 · attempt %4 · %5<br><tt>%6</tt></p>")
                 .arg(when(e.at), enumToText(e.kind), enumToText(e.strategy))
                 .arg(e.attempt)
                 .arg(e.outcome == RecoveryOutcome::Failed ? styled(
                          QStringLiteral("<span style='color:%ERR%'>✗ failed</span>"), palette())
                                                           : enumToText(e.outcome),
                      untrusted::html(e.message));
    }
    if (events == 0)
        h += styled(tr("<p style='color:%MUTED%'>none</p>"), palette());

    if (!p) {
        h += styled(tr("<p style='color:%MUTED%'>loading attributes and host events…</p>"),
                    palette());
        m_overview->setHtml(h);
        return;
    }
    h += QStringLiteral("<h4>Attributes</h4><pre>");
    QString attrs = p->attrs;
    const auto parsed = nlohmann::json::parse(attrs.toStdString(), nullptr, false);
    if (!parsed.is_discarded())
        attrs = QString::fromStdString(
            parsed.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    if (attrs.size() > kAttrsShown)
        attrs = attrs.left(kAttrsShown) + tr("\n… (%1 characters, cut)").arg(attrs.size());
    h += untrusted::html(attrs, kAttrsShown + 64) + QStringLiteral("</pre>");

    h += tr("<h4>Process events on %1 (±5 min)</h4>").arg(untrusted::html(n.host));
    if (p->processEvents.isEmpty())
        h += styled(tr("<p style='color:%MUTED%'>none</p>"), palette());
    for (const ProcessEvent &e : p->processEvents)
        h += QStringLiteral("<tt>%1</tt> %2:%3 <b>%4</b><br>")
                 .arg(when(e.at), untrusted::html(e.app))
                 .arg(e.pmId)
                 .arg(enumToText(e.event));
    for (const QString &bad : p->badProcessEvents)
        h += QStringLiteral("⚠ %1<br>").arg(untrusted::html(bad));
    m_overview->setHtml(h);
}

} // namespace switchboard
