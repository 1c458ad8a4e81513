#pragma once
// The post-mortem export of one session: a JSON bundle and a self-contained HTML report
// (inline CSS and JS, no external URL, opens offline). Both hold the timeline, every span
// with its payloads, the recovery events, the prompt version active at each turn, the
// process events of the session's hosts around it, and who exported it when. Personal
// data can be redacted by regular expressions before anything is written.
//
// Collecting reads every payload: it runs on a PgPool worker (or in the CLI), never on
// the GUI thread; files are written there too.
#include "core/pg/PgPool.h"

#include <QRegularExpression>
#include <QStringList>
#include <QVector>

#include <functional>
#include <nlohmann/json.hpp>

namespace pqxx {
class transaction_base;
}

namespace switchboard {

struct ExportOptions
{
    QString sessionId;
    QString htmlPath; // empty = no HTML
    QString jsonPath; // empty = no JSON
    QStringList redactPatterns; // regular expressions; matches become [redacted]
    QString exportedBy; // the profile's operatorName
    QString reason; // recorded in the audit row; empty = "post-mortem export"
    qint64 exportedAtMs = 0; // 0 = now
};

struct ExportResult
{
    int spans = 0;
    int recoveryEvents = 0;
    int processEvents = 0;
    int promptVersions = 0;
    qint64 redactions = 0;
    qint64 htmlBytes = 0;
    qint64 jsonBytes = 0;
    QString error; // empty = written
};

class TraceExporter
{
public:
    // Compiles the patterns; a bad pattern is an error (nothing is exported unredacted).
    static bool compile(const QStringList &patterns, QVector<QRegularExpression> *out,
                        QString *error);
    // Replaces every match of the patterns in every string inside value (what collect()
    // does to each JSON column); returns how many were replaced.
    static qint64 redact(nlohmann::json &value, const QVector<QRegularExpression> &patterns);
    // Reads everything about the session into the bundle (redacted). Throws pqxx errors.
    static nlohmann::json collect(pqxx::transaction_base &tx, const ExportOptions &options,
                                  const QVector<QRegularExpression> &redact, qint64 *redactions);
    static QByteArray toJson(const nlohmann::json &bundle);
    static QByteArray toHtml(const nlohmann::json &bundle);
    // collect + write the files; the worker-side whole.
    static ExportResult run(pqxx::transaction_base &tx, const ExportOptions &options);

    // Async on the pool: the result comes back on context's thread.
    static void start(PgPool *pool, QObject *context, const ExportOptions &options,
                      std::function<void(const PgStatus &, const ExportResult &)> done);
    // Records the export in agentops.operator_actions (action `export`). When the role may
    // not insert there, done gets the refusal: the caller says so, the files stay.
    // The audit row of a written export (operator_actions, action `export`), in the
    // caller's write transaction; statement_timeout set here.
    static void insertAudit(pqxx::transaction_base &tx, const ExportOptions &options,
                            const ExportResult &result, const QString &clientHost);
    static void audit(PgPool *pool, QObject *context, const ExportOptions &options,
                      const ExportResult &result, std::function<void(const PgStatus &)> done);
};

} // namespace switchboard
