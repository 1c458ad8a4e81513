#include "core/contract/ControlCommand.h"

#include "core/contract/FieldReader.h"

#include <QUuid>

#include <limits>

namespace switchboard {

QByteArrayList ControlCommand::fieldNames(FieldWriter::Target target)
{
    Q_UNUSED(target) // not every record has target-specific fields
    QByteArrayList out;
    out.append(QByteArrayLiteral("cmd_id"));
    out.append(QByteArrayLiteral("action"));
    out.append(QByteArrayLiteral("app"));
    out.append(QByteArrayLiteral("pm_id"));
    out.append(QByteArrayLiteral("requested_by"));
    out.append(QByteArrayLiteral("client_host"));
    out.append(QByteArrayLiteral("reason"));
    out.append(QByteArrayLiteral("requested_at"));
    out.append(QByteArrayLiteral("expires_at"));
    out.append(QByteArrayLiteral("audit_id"));
    return out;
}

QByteArrayList ControlCommand::requiredFieldNames()
{
    return {QByteArrayLiteral("cmd_id"),       QByteArrayLiteral("action"),
            QByteArrayLiteral("app"),          QByteArrayLiteral("pm_id"),
            QByteArrayLiteral("requested_by"), QByteArrayLiteral("reason"),
            QByteArrayLiteral("requested_at"), QByteArrayLiteral("expires_at"),
            QByteArrayLiteral("audit_id")};
}

Parsed<ControlCommand> ControlCommand::parse(const RecordFields &f, const QString &recordId)
{
    FieldReader r(f);
    ControlCommand v;
    QString id = recordId;
    if (id.isEmpty()) {
        if (const auto *raw = f.find(QByteArrayLiteral("cmd_id")); raw && raw->has_value())
            id = QString::fromUtf8((*raw)->left(64));
    }
    v.cmdId = r.text("cmd_id", FieldReader::Required, caps::kScalar);
    v.action = r.enumValue<ControlAction>("action", ControlAction::Reload, FieldReader::Required);
    v.app = r.text("app", FieldReader::Required, caps::kScalar);
    v.pmIdText = r.text("pm_id", FieldReader::Required, caps::kScalar);
    v.requestedBy = r.text("requested_by", FieldReader::Required, caps::kScalar);
    v.clientHost = r.text("client_host", FieldReader::Optional, caps::kScalar);
    v.reason = r.text("reason", FieldReader::Required, caps::kMessage);
    v.requestedAt = r.time("requested_at", FieldReader::Required);
    v.expiresAt = r.time("expires_at", FieldReader::Required);
    v.auditId
        = r.integer("audit_id", FieldReader::Required, 1, std::numeric_limits<qint64>::max(), 0);
    if (!v.cmdId.isEmpty() && QUuid::fromString(v.cmdId).isNull())
        r.addError(QStringLiteral("field cmd_id = ") + FieldReader::quote(v.cmdId.toUtf8())
                   + QStringLiteral(" is not a UUID"));
    if (!v.pmIdText.isEmpty() && v.pmIdText != QLatin1String("all")) {
        bool ok = false;
        const int n = v.pmIdText.toInt(&ok);
        if (!ok || n < 0 || v.pmIdText.startsWith(QLatin1Char('+')))
            r.addError(QStringLiteral("field pm_id = ") + FieldReader::quote(v.pmIdText.toUtf8())
                       + QStringLiteral(" is not an integer or 'all'"));
    }
    if (v.expiresAt != 0 && v.expiresAt <= v.requestedAt)
        r.addError(QStringLiteral("field expires_at is not after requested_at"));
    else if (v.expiresAt != 0 && v.requestedAt != 0 && v.expiresAt - v.requestedAt > kMaxTtlMs)
        r.addError(QStringLiteral("field expires_at is more than %1 ms after requested_at")
                       .arg(kMaxTtlMs));
    return Parsed<ControlCommand>(QString::fromLatin1(kKind), id, std::move(v), r.errors());
}

RecordFields ControlCommand::toFields(FieldWriter::Target target) const
{
    FieldWriter w(target);
    w.text("cmd_id", this->cmdId);
    w.enumValue("action", this->action);
    w.text("app", this->app);
    w.text("pm_id", this->pmIdText);
    w.text("requested_by", this->requestedBy);
    w.optText("client_host", this->clientHost);
    w.text("reason", this->reason);
    w.time("requested_at", this->requestedAt);
    w.time("expires_at", this->expiresAt);
    w.integer("audit_id", this->auditId);
    return w.take();
}

std::optional<int> ControlCommand::pmId() const
{
    if (pmIdText == QLatin1String("all"))
        return std::nullopt;
    return pmIdText.toInt();
}

} // namespace switchboard
