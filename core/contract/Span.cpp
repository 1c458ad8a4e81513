#include "core/contract/Span.h"

#include "core/contract/FieldReader.h"

#include <QDateTime>

#include <limits>

namespace switchboard {

QByteArrayList Span::fieldNames(FieldWriter::Target target)
{
    Q_UNUSED(target) // not every record has target-specific fields
    QByteArrayList out;
    out.append(QByteArrayLiteral("span_id"));
    out.append(QByteArrayLiteral("trace_id"));
    out.append(QByteArrayLiteral("parent_id"));
    out.append(QByteArrayLiteral("session_id"));
    out.append(QByteArrayLiteral("turn"));
    out.append(QByteArrayLiteral("kind"));
    out.append(QByteArrayLiteral("name"));
    out.append(QByteArrayLiteral("agent"));
    out.append(QByteArrayLiteral("host"));
    out.append(QByteArrayLiteral("model"));
    out.append(QByteArrayLiteral("prompt_version"));
    out.append(QByteArrayLiteral("started_at"));
    out.append(QByteArrayLiteral("duration_ms"));
    out.append(QByteArrayLiteral("first_token_at"));
    out.append(QByteArrayLiteral("input_tokens"));
    out.append(QByteArrayLiteral("output_tokens"));
    out.append(QByteArrayLiteral("cache_read_tokens"));
    out.append(QByteArrayLiteral("cache_write_tokens"));
    out.append(QByteArrayLiteral("status"));
    out.append(QByteArrayLiteral("error"));
    out.append(QByteArrayLiteral("error_type"));
    out.append(QByteArrayLiteral("path"));
    out.append(QByteArrayLiteral("depth"));
    out.append(QByteArrayLiteral("subtree_tokens"));
    out.append(QByteArrayLiteral("subtree_errors"));
    out.append(QByteArrayLiteral("subtree_duration_ms"));
    out.append(QByteArrayLiteral("attrs"));
    out.append(QByteArrayLiteral("input"));
    out.append(QByteArrayLiteral("output"));
    out.append(QByteArrayLiteral("input_bytes"));
    out.append(QByteArrayLiteral("output_bytes"));
    return out;
}

QByteArrayList Span::requiredFieldNames()
{
    return {QByteArrayLiteral("span_id"),     QByteArrayLiteral("trace_id"),
            QByteArrayLiteral("session_id"),  QByteArrayLiteral("turn"),
            QByteArrayLiteral("kind"),        QByteArrayLiteral("name"),
            QByteArrayLiteral("agent"),       QByteArrayLiteral("started_at"),
            QByteArrayLiteral("duration_ms"), QByteArrayLiteral("status"),
            QByteArrayLiteral("path"),        QByteArrayLiteral("depth")};
}

Parsed<Span> Span::parse(const RecordFields &f, const QString &recordId)
{
    FieldReader r(f);
    Span v;
    QString id = recordId;
    if (id.isEmpty()) {
        if (const auto *raw = f.find(QByteArrayLiteral("span_id")); raw && raw->has_value())
            id = QString::fromUtf8((*raw)->left(64));
    }
    v.spanId = r.text("span_id", FieldReader::Required, caps::kScalar);
    v.traceId = r.text("trace_id", FieldReader::Required, caps::kScalar);
    v.parentId = r.text("parent_id", FieldReader::Optional, caps::kScalar);
    v.sessionId = r.text("session_id", FieldReader::Required, caps::kScalar);
    v.turn = r.integer("turn", FieldReader::Required, 0, std::numeric_limits<qint64>::max(), 0);
    v.kind = r.enumValue<SpanKind>("kind", SpanKind::Turn, FieldReader::Required);
    v.name = r.text("name", FieldReader::Required, caps::kScalar);
    v.agent = r.text("agent", FieldReader::Required, caps::kScalar);
    v.host = r.text("host", FieldReader::Optional, caps::kScalar);
    v.model = r.text("model", FieldReader::Optional, caps::kScalar);
    v.promptVersion = r.optInteger("prompt_version", 1);
    v.startedAt = r.time("started_at", FieldReader::Required);
    v.durationMs = r.number("duration_ms", FieldReader::Required, 0);
    v.firstTokenAt = r.optTime("first_token_at");
    v.inputTokens = r.optInteger("input_tokens", 0);
    v.outputTokens = r.optInteger("output_tokens", 0);
    v.cacheReadTokens = r.optInteger("cache_read_tokens", 0);
    v.cacheWriteTokens = r.optInteger("cache_write_tokens", 0);
    v.status = r.enumValue<SpanStatus>("status", SpanStatus::Ok, FieldReader::Required);
    v.error = r.text("error", FieldReader::Optional, caps::kMessage);
    v.errorType = r.text("error_type", FieldReader::Optional, caps::kScalar);
    v.path = r.text("path", FieldReader::Required, caps::kScalar);
    v.depth = r.integer("depth", FieldReader::Required, 0, std::numeric_limits<qint64>::max(), 0);
    v.subtreeTokens = r.optInteger("subtree_tokens", 0);
    v.subtreeErrors = r.optInteger("subtree_errors", 0);
    v.subtreeDurationMs = r.optNumber("subtree_duration_ms", 0);
    v.attrs = r.json("attrs", FieldReader::Optional, caps::kSpanAttrs);
    v.input = r.text("input", FieldReader::Optional, caps::kSpanPayload);
    v.output = r.text("output", FieldReader::Optional, caps::kSpanPayload);
    v.inputBytes = r.optInteger("input_bytes", 0);
    v.outputBytes = r.optInteger("output_bytes", 0);
    return Parsed<Span>(QString::fromLatin1(kKind), id, std::move(v), r.errors());
}

RecordFields Span::toFields(FieldWriter::Target target) const
{
    FieldWriter w(target);
    w.text("span_id", this->spanId);
    w.text("trace_id", this->traceId);
    w.optText("parent_id", this->parentId);
    w.text("session_id", this->sessionId);
    w.integer("turn", this->turn);
    w.enumValue("kind", this->kind);
    w.text("name", this->name);
    w.text("agent", this->agent);
    w.optText("host", this->host);
    w.optText("model", this->model);
    w.optInteger("prompt_version", this->promptVersion);
    w.time("started_at", this->startedAt);
    w.number("duration_ms", this->durationMs);
    w.optTime("first_token_at", this->firstTokenAt);
    w.optInteger("input_tokens", this->inputTokens);
    w.optInteger("output_tokens", this->outputTokens);
    w.optInteger("cache_read_tokens", this->cacheReadTokens);
    w.optInteger("cache_write_tokens", this->cacheWriteTokens);
    w.enumValue("status", this->status);
    w.optText("error", this->error);
    w.optText("error_type", this->errorType);
    w.text("path", this->path);
    w.integer("depth", this->depth);
    w.optInteger("subtree_tokens", this->subtreeTokens);
    w.optInteger("subtree_errors", this->subtreeErrors);
    w.optNumber("subtree_duration_ms", this->subtreeDurationMs);
    w.json("attrs", this->attrs);
    w.optText("input", this->input);
    w.optText("output", this->output);
    w.optInteger("input_bytes", this->inputBytes);
    w.optInteger("output_bytes", this->outputBytes);
    return w.take();
}

QString Span::pathElement(qint64 startedAtMs, const QString &spanId)
{
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(startedAtMs, Qt::UTC);
    return t.toString(QStringLiteral("yyyyMMdd'T'HHmmsszzz")) + QLatin1Char('Z') + spanId;
}

} // namespace switchboard
