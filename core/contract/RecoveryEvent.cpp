#include "core/contract/RecoveryEvent.h"

#include "core/contract/FieldReader.h"

#include <limits>

namespace switchboard {

QByteArrayList RecoveryEvent::fieldNames(FieldWriter::Target target)
{
    Q_UNUSED(target) // not every record has target-specific fields
    QByteArrayList out;
    if (target == FieldWriter::Target::Postgres)
        out.append(QByteArrayLiteral("id"));
    out.append(QByteArrayLiteral("at"));
    out.append(QByteArrayLiteral("session_id"));
    out.append(QByteArrayLiteral("agent"));
    out.append(QByteArrayLiteral("host"));
    out.append(QByteArrayLiteral("kind"));
    out.append(QByteArrayLiteral("recoverable"));
    out.append(QByteArrayLiteral("strategy"));
    out.append(QByteArrayLiteral("outcome"));
    out.append(QByteArrayLiteral("attempt"));
    out.append(QByteArrayLiteral("trace_id"));
    out.append(QByteArrayLiteral("span_id"));
    out.append(QByteArrayLiteral("message"));
    out.append(QByteArrayLiteral("detail"));
    if (target == FieldWriter::Target::Postgres)
        out.append(QByteArrayLiteral("stream_id"));
    return out;
}

QByteArrayList RecoveryEvent::requiredFieldNames()
{
    return {QByteArrayLiteral("at"),          QByteArrayLiteral("session_id"),
            QByteArrayLiteral("agent"),       QByteArrayLiteral("kind"),
            QByteArrayLiteral("recoverable"), QByteArrayLiteral("strategy"),
            QByteArrayLiteral("outcome"),     QByteArrayLiteral("attempt")};
}

Parsed<RecoveryEvent> RecoveryEvent::parse(const RecordFields &f, const QString &recordId)
{
    FieldReader r(f);
    RecoveryEvent v;
    QString id = recordId;
    if (id.isEmpty()) {
        if (const auto *raw = f.find(QByteArrayLiteral("stream_id")); raw && raw->has_value())
            id = QString::fromUtf8((*raw)->left(64));
    }
    v.id = r.optInteger("id", 0);
    v.at = r.time("at", FieldReader::Required);
    v.sessionId = r.text("session_id", FieldReader::Required, caps::kScalar);
    v.agent = r.text("agent", FieldReader::Required, caps::kScalar);
    v.host = r.text("host", FieldReader::Optional, caps::kScalar);
    v.kind = r.enumValue<RecoveryKind>("kind", RecoveryKind::Other, FieldReader::Required);
    v.recoverable = r.flag("recoverable", FieldReader::Required);
    v.strategy
        = r.enumValue<RecoveryStrategy>("strategy", RecoveryStrategy::Abort, FieldReader::Required);
    v.outcome = r.enumValue<RecoveryOutcome>("outcome", RecoveryOutcome::InProgress,
                                             FieldReader::Required);
    v.attempt
        = r.integer("attempt", FieldReader::Required, 1, std::numeric_limits<qint64>::max(), 1);
    v.traceId = r.text("trace_id", FieldReader::Optional, caps::kScalar);
    v.spanId = r.text("span_id", FieldReader::Optional, caps::kScalar);
    v.message = r.text("message", FieldReader::Optional, caps::kMessage);
    v.detail = r.json("detail", FieldReader::Optional, caps::kDetailJson);
    v.streamId = r.text("stream_id", FieldReader::Optional, caps::kScalar);
    return Parsed<RecoveryEvent>(QString::fromLatin1(kKind), id, std::move(v), r.errors());
}

RecordFields RecoveryEvent::toFields(FieldWriter::Target target) const
{
    FieldWriter w(target);
    if (target == FieldWriter::Target::Postgres)
        w.optInteger("id", this->id);
    w.time("at", this->at);
    w.text("session_id", this->sessionId);
    w.text("agent", this->agent);
    w.optText("host", this->host);
    w.enumValue("kind", this->kind);
    w.flag("recoverable", this->recoverable);
    w.enumValue("strategy", this->strategy);
    w.enumValue("outcome", this->outcome);
    w.integer("attempt", this->attempt);
    w.optText("trace_id", this->traceId);
    w.optText("span_id", this->spanId);
    w.optText("message", this->message);
    w.json("detail", this->detail);
    if (target == FieldWriter::Target::Postgres)
        w.optText("stream_id", this->streamId);
    return w.take();
}

} // namespace switchboard
