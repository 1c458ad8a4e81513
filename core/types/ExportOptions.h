#pragma once
// A trace export as asked (which session, which files, what to redact, who and why) and
// where it ended: plain values (TraceExporter runs it; the trace view asks and reports).
#include <QByteArray>
#include <QString>
#include <QStringList>

namespace switchboard {

struct ExportOptions
{
    QString sessionId;
    QString htmlPath; // empty = no HTML
    QString jsonPath; // empty = no JSON
    QStringList redactPatterns; // regular expressions; matches become [redacted]
    bool redactIds = false; // identifiers become pseudonyms (session-1, host-2, ...)
    QString exportedBy; // OperatorIdentity::name(); the trace view leaves it to its feature
    QString reason; // recorded in the audit row; empty = "post-mortem export"
    qint64 exportedAtMs = 0; // 0 = now
};

struct ExportResult
{
    // Where an export stopped; Written is the only outcome with files. Prepared: collected
    // and serialised (and audited once auditId is set), no file yet.
    enum class Stage { Collect, BadPattern, UnknownSession, Prepared, Audit, Files, Written };
    Stage stage = Stage::Collect;
    int spans = 0;
    int recoveryEvents = 0;
    int processEvents = 0;
    int promptVersions = 0;
    qint64 redactions = 0;
    qint64 pseudonyms = 0; // distinct identifiers replaced (redactIds)
    qint64 htmlBytes = 0;
    qint64 jsonBytes = 0;
    QByteArray htmlSha256; // hex, of the bytes written (and recorded in the audit row)
    QByteArray jsonSha256;
    qint64 auditId = 0; // agentops.operator_actions.id of the export's row; 0 = not audited
    QString error; // empty = written
};

} // namespace switchboard
