#include "core/contract/SessionRecord.h"

#include "core/contract/FieldReader.h"

#include <limits>

namespace switchboard {

QByteArrayList SessionRecord::fieldNames(FieldWriter::Target target)
{
    Q_UNUSED(target) // not every record has target-specific fields
    QByteArrayList out;
    out.append(QByteArrayLiteral("agent"));
    out.append(QByteArrayLiteral("layer"));
    out.append(QByteArrayLiteral("channel"));
    out.append(QByteArrayLiteral("host"));
    out.append(QByteArrayLiteral("started_at"));
    out.append(QByteArrayLiteral("updated_at"));
    out.append(QByteArrayLiteral("turns"));
    out.append(QByteArrayLiteral("ctx_tokens"));
    out.append(QByteArrayLiteral("ctx_limit"));
    out.append(QByteArrayLiteral("summaries"));
    out.append(QByteArrayLiteral("model"));
    out.append(QByteArrayLiteral("prompt_version"));
    out.append(QByteArrayLiteral("state"));
    return out;
}

QByteArrayList SessionRecord::requiredFieldNames()
{
    return {QByteArrayLiteral("agent"),      QByteArrayLiteral("started_at"),
            QByteArrayLiteral("updated_at"), QByteArrayLiteral("turns"),
            QByteArrayLiteral("ctx_tokens"), QByteArrayLiteral("model"),
            QByteArrayLiteral("state")};
}

Parsed<SessionRecord> SessionRecord::parse(const RecordFields &f, const QString &recordId)
{
    FieldReader r(f);
    SessionRecord v;
    v.id = recordId;
    v.agent = r.text("agent", FieldReader::Required, caps::kScalar);
    v.layer = r.text("layer", FieldReader::Optional, caps::kScalar);
    v.channel = r.text("channel", FieldReader::Optional, caps::kScalar);
    v.host = r.text("host", FieldReader::Optional, caps::kScalar);
    v.startedAt = r.time("started_at", FieldReader::Required);
    v.updatedAt = r.time("updated_at", FieldReader::Required);
    v.turns = r.integer("turns", FieldReader::Required, 0, std::numeric_limits<qint64>::max(), 0);
    v.ctxTokens
        = r.integer("ctx_tokens", FieldReader::Required, 0, std::numeric_limits<qint64>::max(), 0);
    v.ctxLimit
        = r.integer("ctx_limit", FieldReader::Optional, 1, std::numeric_limits<qint64>::max(), 0);
    v.summaries
        = r.integer("summaries", FieldReader::Optional, 0, std::numeric_limits<qint64>::max(), 0);
    v.model = r.text("model", FieldReader::Required, caps::kScalar);
    v.promptVersion = r.optInteger("prompt_version", 1);
    v.state = r.enumValue<SessionState>("state", SessionState::Active, FieldReader::Required);
    return Parsed<SessionRecord>(QString::fromLatin1(kKind), recordId, std::move(v), r.errors());
}

RecordFields SessionRecord::toFields(FieldWriter::Target target) const
{
    FieldWriter w(target);
    w.text("agent", this->agent);
    w.optText("layer", this->layer);
    w.optText("channel", this->channel);
    w.optText("host", this->host);
    w.time("started_at", this->startedAt);
    w.time("updated_at", this->updatedAt);
    w.integer("turns", this->turns);
    w.integer("ctx_tokens", this->ctxTokens);
    if (this->ctxLimit > 0)
        w.integer("ctx_limit", this->ctxLimit);
    w.integer("summaries", this->summaries);
    w.text("model", this->model);
    w.optInteger("prompt_version", this->promptVersion);
    w.enumValue("state", this->state);
    return w.take();
}

double SessionRecord::fillRatio() const
{
    if (ctxLimit <= 0 || ctxTokens <= 0)
        return 0.0;
    return double(ctxTokens) / double(ctxLimit);
}

} // namespace switchboard
