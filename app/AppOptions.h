#pragma once
// What the command line asked for. Parsed once in main(), passed down by value.
#include <QString>
#include <QStringList>

namespace switchboard {

struct AppOptions
{
    enum class Mode { Gui, DbMigrate, DbStatus, Rollback, Export, Help, Error };
    Mode mode = Mode::Gui;
    QString error; // Mode::Error: what was wrong with the command line

    QString profile; // --profile NAME
    QString redisUri; // --redis URI
    QString pgDsn; // --pg DSN
    QString pgReplicaDsn; // --pg-replica DSN
    QString keyNamespace; // --namespace (default agentops:)
    QString operatorName; // --operator
    QString screenshotDir; // --screenshot DIR: render each view to DIR/*.png and quit
    int screenshotDelayMs = 3000;
    QString theme; // --theme light|dark|system for this run; empty: the saved choice

    // `rollback` (app/RollbackCommand.h)
    QString agent; // --agent
    qint64 toVersion = 0; // --to
    QString reason; // --reason
    bool overrideFailedEval = false; // --override-failed-eval
    QString overrideReason; // --override-reason (default: --reason)
    qint64 expectDeployment = -1; // --expect-deployment ID (-1: what is current now)
    QString traceSession; // --trace ID|auto: open this session in the Traces view
    // `export --session ID --html F --json F [--redact PATTERN]... [--redact-ids]`
    QString exportSession;
    QString exportHtml;
    QString exportJson;
    QStringList redactPatterns;
    bool redactIds = false; // identifiers become pseudonyms (TraceExporter::pseudonymise)
};

// Parses argv (argument 0 is the program). Subcommands: `db migrate`, `db status`,
// `rollback`, `export`.
AppOptions parseCommandLine(const QStringList &arguments, QString *helpText);

} // namespace switchboard
