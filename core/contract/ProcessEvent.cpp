#include "core/contract/ProcessEvent.h"

#include "core/contract/FieldReader.h"

#include <limits>

namespace switchboard {

QByteArrayList ProcessEvent::fieldNames(FieldWriter::Target target)
{
    Q_UNUSED(target) // not every record has target-specific fields
    QByteArrayList out;
    if (target == FieldWriter::Target::Postgres)
        out.append(QByteArrayLiteral("id"));
    out.append(QByteArrayLiteral("at"));
    out.append(QByteArrayLiteral("host"));
    out.append(QByteArrayLiteral("app"));
    out.append(QByteArrayLiteral("pm_id"));
    out.append(QByteArrayLiteral("event"));
    out.append(QByteArrayLiteral("detail"));
    if (target == FieldWriter::Target::Postgres)
        out.append(QByteArrayLiteral("stream_id"));
    return out;
}

QByteArrayList ProcessEvent::requiredFieldNames()
{
    return {QByteArrayLiteral("at"), QByteArrayLiteral("host"), QByteArrayLiteral("app"),
            QByteArrayLiteral("pm_id"), QByteArrayLiteral("event")};
}

Parsed<ProcessEvent> ProcessEvent::parse(const RecordFields &f, const QString &recordId)
{
    FieldReader r(f);
    ProcessEvent v;
    QString id = recordId;
    if (id.isEmpty()) {
        if (const auto *raw = f.find(QByteArrayLiteral("stream_id")); raw && raw->has_value())
            id = QString::fromUtf8((*raw)->left(64));
    }
    v.id = r.optInteger("id", 0);
    v.at = r.time("at", FieldReader::Required);
    v.host = r.text("host", FieldReader::Required, caps::kScalar);
    v.app = r.text("app", FieldReader::Required, caps::kScalar);
    v.pmId = r.integer("pm_id", FieldReader::Required, 0, std::numeric_limits<qint64>::max(), 0);
    v.event
        = r.enumValue<ProcessEventKind>("event", ProcessEventKind::Online, FieldReader::Required);
    v.detail = r.json("detail", FieldReader::Optional, caps::kDetailJson);
    v.streamId = r.text("stream_id", FieldReader::Optional, caps::kScalar);
    return Parsed<ProcessEvent>(QString::fromLatin1(kKind), id, std::move(v), r.errors());
}

RecordFields ProcessEvent::toFields(FieldWriter::Target target) const
{
    FieldWriter w(target);
    if (target == FieldWriter::Target::Postgres)
        w.optInteger("id", this->id);
    w.time("at", this->at);
    w.text("host", this->host);
    w.text("app", this->app);
    w.integer("pm_id", this->pmId);
    w.enumValue("event", this->event);
    w.json("detail", this->detail);
    if (target == FieldWriter::Target::Postgres)
        w.optText("stream_id", this->streamId);
    return w.take();
}

} // namespace switchboard
