#include "app/AppOptions.h"

#include "core/services/ConnectionProfile.h"

#include <QCommandLineParser>

namespace switchboard {

namespace {
AppOptions parseRollback(const QCommandLineParser &parser, AppOptions options)
{
    options.mode = AppOptions::Mode::Rollback;
    options.agent = parser.value(QStringLiteral("agent")).trimmed();
    options.reason = parser.value(QStringLiteral("reason"));
    options.overrideFailedEval = parser.isSet(QStringLiteral("override-failed-eval"));
    options.overrideReason = parser.value(QStringLiteral("override-reason"));
    if (options.overrideFailedEval && options.overrideReason.trimmed().isEmpty())
        options.overrideReason = options.reason;
    bool ok = false;
    options.toVersion = parser.value(QStringLiteral("to")).toLongLong(&ok);
    QString error;
    if (options.agent.isEmpty())
        error = QStringLiteral("rollback needs --agent NAME");
    else if (!ok || options.toVersion < 1)
        error = QStringLiteral("rollback needs --to VERSION (a positive integer)");
    else if (options.reason.trimmed().isEmpty())
        error = QStringLiteral("rollback needs --reason TEXT");
    else if (options.pgDsn.isEmpty() && options.profile.isEmpty())
        error = QStringLiteral("rollback needs --pg DSN (or --profile NAME)");
    if (parser.isSet(QStringLiteral("expect-deployment"))) {
        options.expectDeployment
            = parser.value(QStringLiteral("expect-deployment")).toLongLong(&ok);
        if (!ok || options.expectDeployment < 0)
            error = QStringLiteral("--expect-deployment must be a deployment id");
    }
    if (!error.isEmpty()) {
        options.mode = AppOptions::Mode::Error;
        options.error = error;
    }
    return options;
}
} // namespace

AppOptions parseCommandLine(const QStringList &arguments, QString *helpText)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Switchboard: an on-call console for AI agents in production.\n\n"
        "Subcommands:\n"
        "  db migrate --pg DSN   apply the schema migrations and say which were applied\n"
        "  db status --pg DSN    say which schema version the database has\n"
        "  rollback --agent A --to V --reason R [--override-failed-eval]\n"
        "                        roll agent A's prompt back to version V (docs/rollback.md)\n"
        "  export --session ID --html F --json F [--redact RE]... [--redact-ids] [--reason R]\n"
        "                        write a session's post-mortem report (audited first)"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption profile(QStringLiteral("profile"),
                                     QStringLiteral("Connection profile to use."),
                                     QStringLiteral("name"));
    const QCommandLineOption redis(QStringLiteral("redis"),
                                   QStringLiteral("Redis URI (redis:// or rediss://)."),
                                   QStringLiteral("uri"));
    const QCommandLineOption pg(QStringLiteral("pg"),
                                QStringLiteral("Postgres connection string, URI or service=NAME."),
                                QStringLiteral("dsn"));
    const QCommandLineOption replica(QStringLiteral("pg-replica"),
                                     QStringLiteral("Read replica for history and traces."),
                                     QStringLiteral("dsn"));
    const QCommandLineOption ns(QStringLiteral("namespace"),
                                QStringLiteral("Redis key namespace (default agentops:)."),
                                QStringLiteral("prefix"));
    const QCommandLineOption op(QStringLiteral("operator"),
                                QStringLiteral("Operator identity recorded in the audit log."),
                                QStringLiteral("name"));
    const QCommandLineOption shot(QStringLiteral("screenshot"),
                                  QStringLiteral("Write a PNG of each view to DIR and exit."),
                                  QStringLiteral("dir"));
    const QCommandLineOption delay(QStringLiteral("screenshot-delay"),
                                   QStringLiteral("Milliseconds to wait before screenshots."),
                                   QStringLiteral("ms"), QStringLiteral("3000"));
    const QCommandLineOption themeOpt(
        QStringLiteral("theme"),
        QStringLiteral("light, dark or system for this run (default: View > Theme)."),
        QStringLiteral("theme"));
    const QCommandLineOption agent(QStringLiteral("agent"), QStringLiteral("rollback: the agent."),
                                   QStringLiteral("name"));
    const QCommandLineOption to(QStringLiteral("to"),
                                QStringLiteral("rollback: the version to roll back to."),
                                QStringLiteral("version"));
    const QCommandLineOption reason(
        QStringLiteral("reason"),
        QStringLiteral("rollback, export: why (recorded in the audit log)."),
        QStringLiteral("text"));
    const QCommandLineOption overrideEval(
        QStringLiteral("override-failed-eval"),
        QStringLiteral("rollback: deploy a version that failed or lacks its evaluation."));
    const QCommandLineOption overrideReason(
        QStringLiteral("override-reason"),
        QStringLiteral("rollback: why the evaluation is overridden (default: --reason)."),
        QStringLiteral("text"));
    const QCommandLineOption expect(
        QStringLiteral("expect-deployment"),
        QStringLiteral("rollback: refuse unless this deployment id is still the active one."),
        QStringLiteral("id"));
    parser.addOptions({agent, to, reason, overrideEval, overrideReason, expect});
    const QCommandLineOption trace(
        QStringLiteral("trace"),
        QStringLiteral("Open this session in the Traces view (auto: newest with recovery events)."),
        QStringLiteral("session"));
    const QCommandLineOption session(QStringLiteral("session"),
                                     QStringLiteral("export: the session to export."),
                                     QStringLiteral("id"));
    const QCommandLineOption html(QStringLiteral("html"),
                                  QStringLiteral("export: write the HTML report here."),
                                  QStringLiteral("file"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("export: write the JSON bundle here."),
                                  QStringLiteral("file"));
    const QCommandLineOption redact(
        QStringLiteral("redact"),
        QStringLiteral("export: replace matches of this regular expression (repeatable)."),
        QStringLiteral("pattern"));
    const QCommandLineOption redactIds(
        QStringLiteral("redact-ids"),
        QStringLiteral("export: replace identifiers (session, trace, span, host, agent, "
                       "operator, app) by stable pseudonyms (session-1, host-2...)."));
    parser.addOptions({profile, redis, pg, replica, ns, op, shot, delay, themeOpt, trace, session,
                       html, json, redact, redactIds});
    parser.addPositionalArgument(
        QStringLiteral("command"),
        QStringLiteral("Optional: db migrate | db status | rollback | export"));

    AppOptions options;
    if (helpText)
        *helpText = parser.helpText();
    if (!parser.parse(arguments)) {
        options.mode = AppOptions::Mode::Error;
        options.error = parser.errorText();
        return options;
    }
    if (parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("version"))) {
        options.mode = AppOptions::Mode::Help;
        return options;
    }
    options.profile = parser.value(profile);
    options.redisUri = parser.value(redis);
    options.pgDsn = parser.value(pg);
    options.pgReplicaDsn = parser.value(replica);
    options.keyNamespace = parser.value(ns);
    options.operatorName = parser.value(op);
    options.screenshotDir = parser.value(shot);
    options.theme = parser.value(themeOpt);
    if (!options.theme.isEmpty() && options.theme != QLatin1String("light")
        && options.theme != QLatin1String("dark") && options.theme != QLatin1String("system")) {
        options.mode = AppOptions::Mode::Error;
        options.error = QStringLiteral("--theme must be light, dark or system");
        return options;
    }
    options.traceSession = parser.value(trace);
    options.exportSession = parser.value(session);
    options.exportHtml = parser.value(html);
    options.exportJson = parser.value(json);
    options.redactPatterns = parser.values(redact);
    options.redactIds = parser.isSet(redactIds);
    options.reason = parser.value(QStringLiteral("reason")); // rollback and export
    // Anything on the command line is readable by every local user (/proc/PID/cmdline,
    // ps) and lands in shell history: refuse a password there, and name the safe ways.
    if (ConnectionProfile::redisUriHasPassword(options.redisUri)) {
        options.mode = AppOptions::Mode::Error;
        options.error = QStringLiteral(
            "--redis contains a password: the command line is visible to every user of this "
            "machine. Give the URI without it (redis://user@host) and the password in "
            "SWITCHBOARD_REDIS_PASSWORD, in the keychain (--profile), or when asked");
        return options;
    }
    for (const auto &[flag, dsn] :
         {std::pair {"--pg", options.pgDsn}, std::pair {"--pg-replica", options.pgReplicaDsn}}) {
        const QString secret = ConnectionProfile::pgDsnSecret(dsn);
        if (secret.isEmpty())
            continue;
        options.mode = AppOptions::Mode::Error;
        options.error = QStringLiteral("%1 contains a %2: the command line is visible to every "
                                       "user of this machine. Use PGPASSWORD, ~/.pgpass, a "
                                       "service file (service=NAME) or the keychain (--profile)")
                            .arg(QLatin1String(flag), secret);
        return options;
    }
    bool delayOk = false;
    options.screenshotDelayMs = parser.value(delay).toInt(&delayOk);
    if (!delayOk || options.screenshotDelayMs < 0) {
        options.mode = AppOptions::Mode::Error;
        options.error = QStringLiteral("--screenshot-delay must be a number of milliseconds");
        return options;
    }

    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return options;
    if (positional == QStringList {QStringLiteral("rollback")})
        return parseRollback(parser, options);
    if (positional.size() == 2 && positional.at(0) == QLatin1String("db")
        && (positional.at(1) == QLatin1String("migrate")
            || positional.at(1) == QLatin1String("status"))) {
        options.mode = positional.at(1) == QLatin1String("migrate") ? AppOptions::Mode::DbMigrate
                                                                    : AppOptions::Mode::DbStatus;
        if (options.pgDsn.isEmpty() && options.profile.isEmpty()) {
            options.mode = AppOptions::Mode::Error;
            options.error
                = QStringLiteral("db %1 needs --pg DSN (or --profile NAME)").arg(positional.at(1));
        }
        return options;
    }
    if (positional == QStringList {QStringLiteral("export")}) {
        options.mode = AppOptions::Mode::Export;
        if ((options.pgDsn.isEmpty() && options.profile.isEmpty())
            || options.exportSession.isEmpty()
            || (options.exportHtml.isEmpty() && options.exportJson.isEmpty())) {
            options.mode = AppOptions::Mode::Error;
            options.error = QStringLiteral("export needs --pg DSN (or --profile), --session ID and "
                                           "--html FILE and/or --json FILE");
        }
        return options;
    }
    options.mode = AppOptions::Mode::Error;
    options.error = QStringLiteral("unknown command: %1").arg(positional.join(QLatin1Char(' ')));
    return options;
}

} // namespace switchboard
