#include "sim/RecordChecks.h"

#include "core/contract/ActivePrompt.h"
#include "core/contract/ContextComposition.h"
#include "core/contract/ProcessEvent.h"
#include "core/contract/ProcessRecord.h"
#include "core/contract/PromptDeployment.h"
#include "core/contract/PromptVersion.h"
#include "core/contract/RecoveryEvent.h"
#include "core/contract/SessionRecord.h"
#include "core/contract/SessionSummary.h"
#include "core/contract/Span.h"

#include <pqxx/pqxx>

namespace switchboard::test {

namespace {
template<class T> QString parse(const QList<QByteArray> &flat)
{
    const auto p = T::parse(RecordFields::fromFlatList(flat), QStringLiteral("readback"));
    return p.message();
}
} // namespace

QString checkProc(const QList<QByteArray> &flat)
{
    return parse<ProcessRecord>(flat);
}
QString checkProcEvent(const QList<QByteArray> &flat)
{
    return parse<ProcessEvent>(flat);
}
QString checkSession(const QList<QByteArray> &flat)
{
    return parse<SessionRecord>(flat);
}
QString checkEvent(const QList<QByteArray> &flat)
{
    return parse<RecoveryEvent>(flat);
}
QString checkActivePrompt(const QList<QByteArray> &flat)
{
    return parse<ActivePrompt>(flat);
}
QStringList checkPgRows(const QString &dsn, const QString &table, int limit, int *rows)
{
    QStringList bad;
    *rows = 0;
    try {
        pqxx::connection c(dsn.toStdString());
        pqxx::read_transaction tx(c);
        tx.exec("SET LOCAL statement_timeout = '30s'");
        const pqxx::result r = tx.exec("SELECT * FROM agentops." + table.toStdString() + " LIMIT "
                                       + std::to_string(limit));
        for (const auto &row : r) {
            std::vector<std::pair<QString, std::optional<QString>>> pairs;
            for (const auto &f : row)
                pairs.emplace_back(QString::fromUtf8(f.name()),
                                   f.is_null() ? std::nullopt
                                               : std::optional<QString>(
                                                   QString::fromUtf8(f.c_str(), int(f.size()))));
            const RecordFields fields = RecordFields::fromPairs(pairs);
            QString msg;
            if (table == QLatin1String("spans"))
                msg = Span::parse(fields).message();
            else if (table == QLatin1String("sessions"))
                msg = SessionSummary::parse(fields).message();
            else if (table == QLatin1String("recovery_events"))
                msg = RecoveryEvent::parse(fields).message();
            else if (table == QLatin1String("process_events"))
                msg = ProcessEvent::parse(fields).message();
            else if (table == QLatin1String("prompt_versions"))
                msg = PromptVersion::parse(fields).message();
            else if (table == QLatin1String("prompt_deployments"))
                msg = PromptDeployment::parse(fields).message();
            else
                msg = QStringLiteral("no parser for ") + table;
            if (!msg.isEmpty())
                bad.append(msg.left(300));
            ++*rows;
        }
    } catch (const std::exception &e) {
        bad.append(QString::fromUtf8(e.what()));
    }
    return bad;
}

QString checkContext(const QByteArray &json)
{
    return ContextComposition::parse(json, QStringLiteral("readback")).message();
}

} // namespace switchboard::test
