#include "core/contract/ControlResult.h"

#include "core/contract/FieldReader.h"

#include <limits>

namespace switchboard {

QByteArrayList ControlResult::fieldNames(FieldWriter::Target target)
{
    Q_UNUSED(target) // not every record has target-specific fields
    QByteArrayList out;
    out.append(QByteArrayLiteral("cmd_id"));
    out.append(QByteArrayLiteral("host"));
    out.append(QByteArrayLiteral("state"));
    out.append(QByteArrayLiteral("message"));
    out.append(QByteArrayLiteral("at"));
    out.append(QByteArrayLiteral("detail"));
    return out;
}

QByteArrayList ControlResult::requiredFieldNames()
{
    return {QByteArrayLiteral("cmd_id"), QByteArrayLiteral("host"), QByteArrayLiteral("state"),
            QByteArrayLiteral("at")};
}

Parsed<ControlResult> ControlResult::parse(const RecordFields &f, const QString &recordId)
{
    FieldReader r(f);
    ControlResult v;
    QString id = recordId;
    if (id.isEmpty()) {
        if (const auto *raw = f.find(QByteArrayLiteral("cmd_id")); raw && raw->has_value())
            id = QString::fromUtf8((*raw)->left(64));
    }
    v.cmdId = r.text("cmd_id", FieldReader::Required, caps::kScalar);
    v.host = r.text("host", FieldReader::Required, caps::kScalar);
    v.state = r.enumValue<ControlState>("state", ControlState::Received, FieldReader::Required);
    v.message = r.text("message", FieldReader::Optional, caps::kMessage);
    v.at = r.time("at", FieldReader::Required);
    v.detail = r.json("detail", FieldReader::Optional, caps::kDetailJson);
    return Parsed<ControlResult>(QString::fromLatin1(kKind), id, std::move(v), r.errors());
}

RecordFields ControlResult::toFields(FieldWriter::Target target) const
{
    FieldWriter w(target);
    w.text("cmd_id", this->cmdId);
    w.text("host", this->host);
    w.enumValue("state", this->state);
    w.optText("message", this->message);
    w.time("at", this->at);
    w.json("detail", this->detail);
    return w.take();
}

bool ControlResult::isFinal() const
{
    return state != ControlState::Received && state != ControlState::Running;
}

} // namespace switchboard
