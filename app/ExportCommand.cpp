#include "app/ExportCommand.h"

#include "app/ConsoleController.h"
#include "core/services/TraceExporter.h"
#include "core/util/OperatorIdentity.h"

#include <cstdio>

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
    o.redactIds = options.redactIds;
    o.reason = options.reason;
    const OperatorIdentity identity = OperatorIdentity::resolve(profile.operatorName);
    o.exportedBy = identity.name();
    const QString readDsn = profile.pgReplicaDsn.isEmpty() ? profile.pgDsn : profile.pgReplicaDsn;
    const ExportResult r = TraceExporter::run(readDsn, profile.pgDsn, o, identity.host());
    switch (r.stage) {
    case ExportResult::Stage::Written:
        std::printf("exported session %s: %d spans, %d recovery events, %d process events, "
                    "%d prompt versions, %lld redactions%s\n",
                    qPrintable(o.sessionId), r.spans, r.recoveryEvents, r.processEvents,
                    r.promptVersions, r.redactions,
                    o.redactIds ? qPrintable(
                        QStringLiteral(", %1 identifiers pseudonymised").arg(r.pseudonyms))
                                : "");
        std::printf("audited as operator action export by %s (audit row %lld)\n",
                    qPrintable(o.exportedBy), r.auditId);
        return 0;
    case ExportResult::Stage::BadPattern:
        std::fprintf(stderr, "switchboard: %s\n", qPrintable(r.error));
        return 2;
    case ExportResult::Stage::UnknownSession:
        std::fprintf(stderr, "switchboard: %s; nothing written\n", qPrintable(r.error));
        return 3;
    case ExportResult::Stage::Prepared: // not an end state of run()
    case ExportResult::Stage::Collect:
        std::fprintf(stderr, "switchboard: cannot read session %s: %s; nothing written\n",
                     qPrintable(o.sessionId), qPrintable(r.error));
        return 1;
    case ExportResult::Stage::Audit:
        std::fprintf(stderr, "switchboard: %s\n", qPrintable(r.error));
        return 4;
    case ExportResult::Stage::Files:
        std::fprintf(stderr,
                     "switchboard: %s; audit row %lld records the export, but no file of it "
                     "was left\n",
                     qPrintable(r.error), r.auditId);
        return 1;
    }
    return 1;
}

} // namespace switchboard
