#include "app/ExportCommand.h"

#include "app/ConsoleController.h"
#include "core/services/TraceExporter.h"

#include <QHostInfo>

#include <cstdio>
#include <pqxx/pqxx>

namespace switchboard {

int runExportCommand(const AppOptions &options)
{
    QString error;
    const ConnectionProfile profile = ConsoleController::profileFor(options, &error);
    if (!error.isEmpty()) {
        std::fprintf(stderr, "switchboard: %s\n", qPrintable(error));
        return 2;
    }
    if (!qEnvironmentVariableIsSet("PGAPPNAME"))
        qputenv("PGAPPNAME", "switchboard export");
    ExportOptions o;
    o.sessionId = options.exportSession;
    o.htmlPath = options.exportHtml;
    o.jsonPath = options.exportJson;
    o.redactPatterns = options.redactPatterns;
    o.reason = options.reason;
    o.exportedBy
        = profile.operatorName.isEmpty() ? qEnvironmentVariable("USER") : profile.operatorName;
    if (o.exportedBy.isEmpty())
        o.exportedBy = QStringLiteral("unknown");
    QVector<QRegularExpression> compiled;
    if (!TraceExporter::compile(o.redactPatterns, &compiled, &error)) {
        std::fprintf(stderr, "switchboard: %s\n", qPrintable(error));
        return 2;
    }
    try {
        const QString dsn = profile.pgReplicaDsn.isEmpty() ? profile.pgDsn : profile.pgReplicaDsn;
        pqxx::connection read(dsn.toStdString());
        ExportResult r;
        {
            pqxx::read_transaction tx(read);
            tx.exec("SET LOCAL statement_timeout = 300000");
            // A mistyped id must not produce an empty report that looks like a quiet session.
            const bool known
                = tx.exec_params1("SELECT EXISTS (SELECT 1 FROM agentops.sessions WHERE "
                                  "session_id = $1) OR EXISTS (SELECT 1 FROM agentops.spans "
                                  "WHERE session_id = $1)",
                                  o.sessionId.toStdString())[0]
                      .as<bool>();
            if (!known) {
                std::fprintf(stderr,
                             "switchboard: no session %s in Postgres (no session row, no "
                             "spans); nothing written\n",
                             qPrintable(o.sessionId));
                return 3;
            }
            r = TraceExporter::run(tx, o);
        }
        if (!r.error.isEmpty()) {
            std::fprintf(stderr, "switchboard: %s\n", qPrintable(r.error));
            return 1;
        }
        std::printf("exported session %s: %d spans, %d recovery events, %d process events, "
                    "%d prompt versions, %lld redactions\n",
                    qPrintable(o.sessionId), r.spans, r.recoveryEvents, r.processEvents,
                    r.promptVersions, r.redactions);
        try {
            pqxx::connection write(profile.pgDsn.toStdString());
            pqxx::work tx(write);
            TraceExporter::insertAudit(tx, o, r, QHostInfo::localHostName());
            tx.commit();
            std::printf("audited as operator action export by %s\n", qPrintable(o.exportedBy));
        } catch (const std::exception &e) {
            std::printf("not audited (%s): the export stays local\n", e.what());
        }
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "switchboard: %s\n", e.what());
        return 1;
    }
}

} // namespace switchboard
