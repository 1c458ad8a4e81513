#include "core/contract/ProcessRecord.h"

#include "core/contract/FieldReader.h"

#include <limits>

namespace switchboard {

QByteArrayList ProcessRecord::fieldNames(FieldWriter::Target target)
{
    Q_UNUSED(target) // not every record has target-specific fields
    QByteArrayList out;
    out.append(QByteArrayLiteral("host"));
    out.append(QByteArrayLiteral("app"));
    out.append(QByteArrayLiteral("pm_id"));
    out.append(QByteArrayLiteral("pid"));
    out.append(QByteArrayLiteral("layer"));
    out.append(QByteArrayLiteral("namespace"));
    out.append(QByteArrayLiteral("status"));
    out.append(QByteArrayLiteral("exec_mode"));
    out.append(QByteArrayLiteral("instances"));
    out.append(QByteArrayLiteral("restarts"));
    out.append(QByteArrayLiteral("unstable_restarts"));
    out.append(QByteArrayLiteral("started_at"));
    out.append(QByteArrayLiteral("cpu"));
    out.append(QByteArrayLiteral("memory"));
    out.append(QByteArrayLiteral("version"));
    out.append(QByteArrayLiteral("heartbeat_at"));
    out.append(QByteArrayLiteral("heartbeat_ms"));
    return out;
}

QByteArrayList ProcessRecord::requiredFieldNames()
{
    return {QByteArrayLiteral("host"),        QByteArrayLiteral("app"),
            QByteArrayLiteral("pm_id"),       QByteArrayLiteral("status"),
            QByteArrayLiteral("exec_mode"),   QByteArrayLiteral("restarts"),
            QByteArrayLiteral("heartbeat_at")};
}

Parsed<ProcessRecord> ProcessRecord::parse(const RecordFields &f, const QString &recordId)
{
    FieldReader r(f);
    ProcessRecord v;
    v.host = r.text("host", FieldReader::Required, caps::kScalar);
    v.app = r.text("app", FieldReader::Required, caps::kScalar);
    v.pmId = r.integer("pm_id", FieldReader::Required, 0, std::numeric_limits<qint64>::max(), 0);
    v.pid = r.optInteger("pid", 0);
    v.layer = r.text("layer", FieldReader::Optional, caps::kScalar);
    v.pmNamespace = r.text("namespace", FieldReader::Optional, caps::kScalar);
    v.status = r.enumValue<ProcessStatus>("status", ProcessStatus::Stopped, FieldReader::Required);
    v.execMode = r.enumValue<ExecMode>("exec_mode", ExecMode::Fork, FieldReader::Required);
    v.instances
        = r.integer("instances", FieldReader::Optional, 0, std::numeric_limits<qint64>::max(), 1);
    v.restarts
        = r.integer("restarts", FieldReader::Required, 0, std::numeric_limits<qint64>::max(), 0);
    v.unstableRestarts = r.integer("unstable_restarts", FieldReader::Optional, 0,
                                   std::numeric_limits<qint64>::max(), 0);
    v.startedAt = r.optTime("started_at");
    v.cpu = r.optNumber("cpu", 0);
    v.memory = r.optInteger("memory", 0);
    v.version = r.text("version", FieldReader::Optional, caps::kScalar);
    v.heartbeatAt = r.time("heartbeat_at", FieldReader::Required);
    v.heartbeatMs = r.integer("heartbeat_ms", FieldReader::Optional, 100,
                              std::numeric_limits<qint64>::max(), 2000);
    return Parsed<ProcessRecord>(QString::fromLatin1(kKind), recordId, std::move(v), r.errors());
}

RecordFields ProcessRecord::toFields(FieldWriter::Target target) const
{
    FieldWriter w(target);
    w.text("host", this->host);
    w.text("app", this->app);
    w.integer("pm_id", this->pmId);
    w.optInteger("pid", this->pid);
    w.optText("layer", this->layer);
    w.optText("namespace", this->pmNamespace);
    w.enumValue("status", this->status);
    w.enumValue("exec_mode", this->execMode);
    w.integer("instances", this->instances);
    w.integer("restarts", this->restarts);
    w.integer("unstable_restarts", this->unstableRestarts);
    w.optTime("started_at", this->startedAt);
    w.optNumber("cpu", this->cpu);
    w.optInteger("memory", this->memory);
    w.optText("version", this->version);
    w.time("heartbeat_at", this->heartbeatAt);
    w.integer("heartbeat_ms", this->heartbeatMs);
    return w.take();
}

QString ProcessRecord::member() const
{
    return host + QLatin1Char(':') + app + QLatin1Char(':') + QString::number(pmId);
}

} // namespace switchboard
