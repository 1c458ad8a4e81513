#include "core/contract/SessionSummary.h"

#include "core/contract/FieldReader.h"

#include <limits>

namespace switchboard {

QByteArrayList SessionSummary::fieldNames(FieldWriter::Target target)
{
    Q_UNUSED(target) // not every record has target-specific fields
    QByteArrayList out;
    out.append(QByteArrayLiteral("session_id"));
    out.append(QByteArrayLiteral("agent"));
    out.append(QByteArrayLiteral("layer"));
    out.append(QByteArrayLiteral("channel"));
    out.append(QByteArrayLiteral("host"));
    out.append(QByteArrayLiteral("started_at"));
    out.append(QByteArrayLiteral("ended_at"));
    out.append(QByteArrayLiteral("turns"));
    out.append(QByteArrayLiteral("outcome"));
    out.append(QByteArrayLiteral("max_fill_pct"));
    out.append(QByteArrayLiteral("had_recovery_events"));
    out.append(QByteArrayLiteral("recovery_event_count"));
    out.append(QByteArrayLiteral("prompt_version"));
    out.append(QByteArrayLiteral("model"));
    return out;
}

QByteArrayList SessionSummary::requiredFieldNames()
{
    return {QByteArrayLiteral("session_id"),
            QByteArrayLiteral("agent"),
            QByteArrayLiteral("started_at"),
            QByteArrayLiteral("turns"),
            QByteArrayLiteral("outcome"),
            QByteArrayLiteral("had_recovery_events"),
            QByteArrayLiteral("recovery_event_count")};
}

Parsed<SessionSummary> SessionSummary::parse(const RecordFields &f, const QString &recordId)
{
    FieldReader r(f);
    SessionSummary v;
    QString id = recordId;
    if (id.isEmpty()) {
        if (const auto *raw = f.find(QByteArrayLiteral("session_id")); raw && raw->has_value())
            id = QString::fromUtf8((*raw)->left(64));
    }
    v.sessionId = r.text("session_id", FieldReader::Required, caps::kScalar);
    v.agent = r.text("agent", FieldReader::Required, caps::kScalar);
    v.layer = r.text("layer", FieldReader::Optional, caps::kScalar);
    v.channel = r.text("channel", FieldReader::Optional, caps::kScalar);
    v.host = r.text("host", FieldReader::Optional, caps::kScalar);
    v.startedAt = r.time("started_at", FieldReader::Required);
    v.endedAt = r.optTime("ended_at");
    v.turns = r.integer("turns", FieldReader::Required, 0, std::numeric_limits<qint64>::max(), 0);
    v.outcome
        = r.enumValue<SessionOutcome>("outcome", SessionOutcome::Active, FieldReader::Required);
    v.maxFillPct = r.optNumber("max_fill_pct", 0);
    v.hadRecoveryEvents = r.flag("had_recovery_events", FieldReader::Required);
    v.recoveryEventCount = r.integer("recovery_event_count", FieldReader::Required, 0,
                                     std::numeric_limits<qint64>::max(), 0);
    v.promptVersion = r.optInteger("prompt_version", 1);
    v.model = r.text("model", FieldReader::Optional, caps::kScalar);
    return Parsed<SessionSummary>(QString::fromLatin1(kKind), id, std::move(v), r.errors());
}

RecordFields SessionSummary::toFields(FieldWriter::Target target) const
{
    FieldWriter w(target);
    w.text("session_id", this->sessionId);
    w.text("agent", this->agent);
    w.optText("layer", this->layer);
    w.optText("channel", this->channel);
    w.optText("host", this->host);
    w.time("started_at", this->startedAt);
    w.optTime("ended_at", this->endedAt);
    w.integer("turns", this->turns);
    w.enumValue("outcome", this->outcome);
    w.optNumber("max_fill_pct", this->maxFillPct);
    w.flag("had_recovery_events", this->hadRecoveryEvents);
    w.integer("recovery_event_count", this->recoveryEventCount);
    w.optInteger("prompt_version", this->promptVersion);
    w.optText("model", this->model);
    return w.take();
}

} // namespace switchboard
