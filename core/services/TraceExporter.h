#pragma once
// The post-mortem export of one session: a JSON bundle and a self-contained HTML report
// (inline CSS and JS allowed by their hashes only, no external URL, opens offline). Both
// hold the timeline, every span with its payloads, the recovery events, the prompt version
// active at each turn, the process events of the session's hosts around it, and who
// exported it when.
//
// Fail closed, in this order (docs/decisions.md "Exports fail closed"):
//   1. prepare(): one read snapshot (the replica when there is one) → the bundle, redacted
//      and serialised in memory; no file yet.
//   2. insertAudit(): the audit row (agentops.record_export) with the counts and digests
//      of exactly those bytes, committed on the primary. If it cannot be written, nothing
//      is written.
//   3. writeFiles(): each file written to a 0600 temporary in its directory and renamed
//      into place; on any failure every file of this export is removed again.
// Redaction is one walk over the final bundle: every string value and every member name
// that is not one of the bundle's own (public) names. With redactIds, identifiers
// (session, trace, span, host, agent, operator, app) become stable pseudonyms first.
//
// Collecting reads every payload: it runs on a PgPool worker (or in the CLI), never on
// the GUI thread; files are written off the GUI thread too.
#include "core/pg/PgPool.h"
#include "core/types/ExportOptions.h"

#include <QByteArray>
#include <QRegularExpression>
#include <QStringList>
#include <QVector>

#include <functional>
#include <nlohmann/json.hpp>

namespace pqxx {
class transaction_base;
}

namespace switchboard {

// The serialised export between the read snapshot and the files.
struct PreparedExport
{
    ExportResult result; // counts and digests; auditId set by the audit step
    QByteArray json; // empty when no JSON path
    QByteArray html; // empty when no HTML path
};

class TraceExporter
{
public:
    // Compiles the patterns; a bad pattern is an error (nothing is exported unredacted).
    static bool compile(const QStringList &patterns, QVector<QRegularExpression> *out,
                        QString *error);
    // Replaces every match of the patterns in every string inside value: string values and
    // member names (a renamed member that would collide gets " #2", " #3"...), except the
    // bundle's own member names, which are constants of this code and keep the bundle
    // loadable. Returns how many were replaced.
    static qint64 redact(nlohmann::json &value, const QVector<QRegularExpression> &patterns);
    // Replaces identifiers by pseudonyms, the same input by the same pseudonym within one
    // call: the values of session_id, trace_id, span_id, parent_id, host, agent, app,
    // exported_by, exported_from, created_by members (also inside attrs / detail /
    // params), the span ids inside spans' path, and every occurrence of the non-span
    // identifiers (4 characters or more) inside any other text or member name. Returns
    // the number of distinct identifiers.
    static qint64 pseudonymise(nlohmann::json &bundle);
    // Reads everything about the session into the bundle, pseudonymised (options.redactIds)
    // and redacted as a whole. Throws pqxx errors.
    static nlohmann::json collect(pqxx::transaction_base &tx, const ExportOptions &options,
                                  const QVector<QRegularExpression> &redact, qint64 *redactions);
    static QByteArray toJson(const nlohmann::json &bundle);
    static QByteArray toHtml(const nlohmann::json &bundle);

    // Step 1: compile, check the session exists, collect and serialise; no file. Throws
    // pqxx errors; a bad pattern or an unknown session is returned in out->result.
    static bool prepare(pqxx::transaction_base &tx, const ExportOptions &options,
                        PreparedExport *out);
    // Step 2: the audit row of a prepared export in the caller's write transaction
    // (statement_timeout set here); returns its id. The caller commits before step 3.
    static qint64 insertAudit(pqxx::transaction_base &tx, const ExportOptions &options,
                              const ExportResult &result, const QString &clientHost);
    // Step 3: the files, 0600 whatever the umask, through a temporary in the same
    // directory renamed into place (a symlink planted at the path is replaced, not
    // followed). Refuses an export without an audit id. On failure no file of this export
    // is left and result->error says why.
    static bool writeFiles(const ExportOptions &options, const PreparedExport &prepared,
                           ExportResult *result);
    // One file as writeFiles writes it; false and *error on failure (no file left).
    static bool writePrivateFile(const QString &path, const QByteArray &data, QString *error);

    // The three steps in order, synchronously (the CLI, tests): a read connection to
    // readDsn, then the audit on writeDsn, then the files. Never throws.
    static ExportResult run(const QString &readDsn, const QString &writeDsn,
                            const ExportOptions &options, const QString &clientHost);

    // The three steps on the pool (read on the replica, audit on the primary, files on a
    // thread of their own): the result comes back on context's thread, never when context
    // is gone. status is the failed job's; result.stage says which step stopped.
    static void start(PgPool *pool, QObject *context, const ExportOptions &options,
                      std::function<void(const PgStatus &, const ExportResult &)> done);
    // Step 2 alone on the pool (primary, write).
    static void audit(PgPool *pool, QObject *context, const ExportOptions &options,
                      const ExportResult &result, std::function<void(const PgStatus &)> done);
};

} // namespace switchboard
