#include "core/contract/OperatorAction.h"

#include "core/contract/FieldReader.h"

#include <limits>

namespace switchboard {

QByteArrayList OperatorAction::fieldNames(FieldWriter::Target target)
{
    Q_UNUSED(target) // not every record has target-specific fields
    QByteArrayList out;
    out.append(QByteArrayLiteral("id"));
    out.append(QByteArrayLiteral("at"));
    out.append(QByteArrayLiteral("operator"));
    out.append(QByteArrayLiteral("client_host"));
    out.append(QByteArrayLiteral("action"));
    out.append(QByteArrayLiteral("target"));
    out.append(QByteArrayLiteral("reason"));
    out.append(QByteArrayLiteral("params"));
    out.append(QByteArrayLiteral("outcome"));
    out.append(QByteArrayLiteral("detail"));
    out.append(QByteArrayLiteral("ref_id"));
    out.append(QByteArrayLiteral("db_role"));
    return out;
}

QByteArrayList OperatorAction::requiredFieldNames()
{
    return {QByteArrayLiteral("at"),          QByteArrayLiteral("operator"),
            QByteArrayLiteral("client_host"), QByteArrayLiteral("action"),
            QByteArrayLiteral("target"),      QByteArrayLiteral("reason"),
            QByteArrayLiteral("outcome")};
}

Parsed<OperatorAction> OperatorAction::parse(const RecordFields &f, const QString &recordId)
{
    FieldReader r(f);
    OperatorAction v;
    QString id = recordId;
    if (id.isEmpty()) {
        if (const auto *raw = f.find(QByteArrayLiteral("id")); raw && raw->has_value())
            id = QString::fromUtf8((*raw)->left(64));
    }
    v.id = r.optInteger("id", 1);
    v.at = r.time("at", FieldReader::Required);
    v.operatorName = r.text("operator", FieldReader::Required, caps::kScalar);
    v.clientHost = r.text("client_host", FieldReader::Required, caps::kScalar);
    v.action = r.enumValue<OperatorActionKind>("action", OperatorActionKind::Reload,
                                               FieldReader::Required);
    v.target = r.text("target", FieldReader::Required, caps::kScalar);
    v.reason = r.text("reason", FieldReader::Required, caps::kMessage);
    v.params = r.json("params", FieldReader::Optional, caps::kDetailJson);
    v.outcome = r.enumValue<OperatorOutcome>("outcome", OperatorOutcome::Requested,
                                             FieldReader::Required);
    v.detail = r.json("detail", FieldReader::Optional, caps::kDetailJson);
    v.refId = r.optInteger("ref_id", 1);
    v.dbRole = r.text("db_role", FieldReader::Optional, caps::kScalar);
    return Parsed<OperatorAction>(QString::fromLatin1(kKind), id, std::move(v), r.errors());
}

RecordFields OperatorAction::toFields(FieldWriter::Target target) const
{
    FieldWriter w(target);
    w.optInteger("id", this->id);
    w.time("at", this->at);
    w.text("operator", this->operatorName);
    w.text("client_host", this->clientHost);
    w.enumValue("action", this->action);
    w.text("target", this->target);
    w.text("reason", this->reason);
    w.json("params", this->params);
    w.enumValue("outcome", this->outcome);
    w.json("detail", this->detail);
    w.optInteger("ref_id", this->refId);
    w.optText("db_role", this->dbRole);
    return w.take();
}

} // namespace switchboard
