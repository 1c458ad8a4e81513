#include "core/contract/PromptDeployment.h"

#include "core/contract/FieldReader.h"

#include <limits>

namespace switchboard {

QByteArrayList PromptDeployment::fieldNames(FieldWriter::Target target)
{
    Q_UNUSED(target) // not every record has target-specific fields
    QByteArrayList out;
    out.append(QByteArrayLiteral("id"));
    out.append(QByteArrayLiteral("agent"));
    out.append(QByteArrayLiteral("version"));
    out.append(QByteArrayLiteral("deployed_at"));
    out.append(QByteArrayLiteral("deployed_by"));
    out.append(QByteArrayLiteral("db_role"));
    out.append(QByteArrayLiteral("kind"));
    out.append(QByteArrayLiteral("reason"));
    out.append(QByteArrayLiteral("previous_version"));
    out.append(QByteArrayLiteral("previous_deployment_id"));
    out.append(QByteArrayLiteral("notified_at"));
    return out;
}

QByteArrayList PromptDeployment::requiredFieldNames()
{
    return {QByteArrayLiteral("id"),          QByteArrayLiteral("agent"),
            QByteArrayLiteral("version"),     QByteArrayLiteral("deployed_at"),
            QByteArrayLiteral("deployed_by"), QByteArrayLiteral("kind")};
}

Parsed<PromptDeployment> PromptDeployment::parse(const RecordFields &f, const QString &recordId)
{
    FieldReader r(f);
    PromptDeployment v;
    QString id = recordId;
    if (id.isEmpty()) {
        if (const auto *raw = f.find(QByteArrayLiteral("id")); raw && raw->has_value())
            id = QString::fromUtf8((*raw)->left(64));
    }
    v.id = r.integer("id", FieldReader::Required, 1, std::numeric_limits<qint64>::max(), 0);
    v.agent = r.text("agent", FieldReader::Required, caps::kScalar);
    v.version
        = r.integer("version", FieldReader::Required, 1, std::numeric_limits<qint64>::max(), 1);
    v.deployedAt = r.time("deployed_at", FieldReader::Required);
    v.deployedBy = r.text("deployed_by", FieldReader::Required, caps::kScalar);
    v.dbRole = r.text("db_role", FieldReader::Optional, caps::kScalar);
    v.kind = r.enumValue<DeploymentKind>("kind", DeploymentKind::Deploy, FieldReader::Required);
    v.reason = r.text("reason", FieldReader::Optional, caps::kMessage);
    v.previousVersion = r.optInteger("previous_version", 1);
    v.previousDeploymentId = r.optInteger("previous_deployment_id", 1);
    v.notifiedAt = r.optTime("notified_at");
    return Parsed<PromptDeployment>(QString::fromLatin1(kKind), id, std::move(v), r.errors());
}

RecordFields PromptDeployment::toFields(FieldWriter::Target target) const
{
    FieldWriter w(target);
    w.integer("id", this->id);
    w.text("agent", this->agent);
    w.integer("version", this->version);
    w.time("deployed_at", this->deployedAt);
    w.text("deployed_by", this->deployedBy);
    w.optText("db_role", this->dbRole);
    w.enumValue("kind", this->kind);
    w.optText("reason", this->reason);
    w.optInteger("previous_version", this->previousVersion);
    w.optInteger("previous_deployment_id", this->previousDeploymentId);
    w.optTime("notified_at", this->notifiedAt);
    return w.take();
}

} // namespace switchboard
