#include "sim/RecordChecks.h"

#include "core/contract/ActivePrompt.h"
#include "core/contract/ContextComposition.h"
#include "core/contract/ProcessEvent.h"
#include "core/contract/ProcessRecord.h"
#include "core/contract/RecoveryEvent.h"
#include "core/contract/SessionRecord.h"

namespace switchboard::test {

namespace {
template<class T>
QString parse(const QList<QByteArray> &flat)
{
    const auto p = T::parse(RecordFields::fromFlatList(flat), QStringLiteral("readback"));
    return p.message();
}
} // namespace

QString checkProc(const QList<QByteArray> &flat) { return parse<ProcessRecord>(flat); }
QString checkProcEvent(const QList<QByteArray> &flat) { return parse<ProcessEvent>(flat); }
QString checkSession(const QList<QByteArray> &flat) { return parse<SessionRecord>(flat); }
QString checkEvent(const QList<QByteArray> &flat) { return parse<RecoveryEvent>(flat); }
QString checkActivePrompt(const QList<QByteArray> &flat) { return parse<ActivePrompt>(flat); }
QString checkContext(const QByteArray &json) { return ContextComposition::parse(json, QStringLiteral("readback")).message(); }

} // namespace switchboard::test
