#include "core/contract/PromptVersion.h"

#include "core/contract/FieldReader.h"

#include <limits>

namespace switchboard {

QByteArrayList PromptVersion::fieldNames(FieldWriter::Target target)
{
    Q_UNUSED(target) // not every record has target-specific fields
    QByteArrayList out;
    out.append(QByteArrayLiteral("agent"));
    out.append(QByteArrayLiteral("version"));
    out.append(QByteArrayLiteral("body"));
    out.append(QByteArrayLiteral("model"));
    out.append(QByteArrayLiteral("params"));
    out.append(QByteArrayLiteral("created_at"));
    out.append(QByteArrayLiteral("created_by"));
    out.append(QByteArrayLiteral("note"));
    out.append(QByteArrayLiteral("eval_suite"));
    out.append(QByteArrayLiteral("eval_score"));
    out.append(QByteArrayLiteral("eval_passed"));
    return out;
}

QByteArrayList PromptVersion::requiredFieldNames()
{
    return {QByteArrayLiteral("agent"),      QByteArrayLiteral("version"),
            QByteArrayLiteral("body"),       QByteArrayLiteral("model"),
            QByteArrayLiteral("created_at"), QByteArrayLiteral("created_by")};
}

Parsed<PromptVersion> PromptVersion::parse(const RecordFields &f, const QString &recordId)
{
    FieldReader r(f);
    PromptVersion v;
    v.agent = r.text("agent", FieldReader::Required, caps::kScalar);
    v.version
        = r.integer("version", FieldReader::Required, 1, std::numeric_limits<qint64>::max(), 1);
    v.body = r.text("body", FieldReader::Required, caps::kPromptBody);
    v.model = r.text("model", FieldReader::Required, caps::kScalar);
    v.params = r.json("params", FieldReader::Optional, caps::kDetailJson);
    v.createdAt = r.time("created_at", FieldReader::Required);
    v.createdBy = r.text("created_by", FieldReader::Required, caps::kScalar);
    v.note = r.text("note", FieldReader::Optional, caps::kMessage);
    v.evalSuite = r.text("eval_suite", FieldReader::Optional, caps::kScalar);
    v.evalScore = r.optNumber("eval_score", -1e300);
    if (const auto *raw = f.find(QByteArrayLiteral("eval_passed"));
        raw && raw->has_value() && !(*raw)->isEmpty())
        v.evalPassed = r.flag("eval_passed", FieldReader::Optional);
    return Parsed<PromptVersion>(QString::fromLatin1(kKind), recordId, std::move(v), r.errors());
}

RecordFields PromptVersion::toFields(FieldWriter::Target target) const
{
    FieldWriter w(target);
    w.text("agent", this->agent);
    w.integer("version", this->version);
    w.text("body", this->body);
    w.text("model", this->model);
    w.json("params", this->params);
    w.time("created_at", this->createdAt);
    w.text("created_by", this->createdBy);
    w.optText("note", this->note);
    w.optText("eval_suite", this->evalSuite);
    w.optNumber("eval_score", this->evalScore);
    {
        if (this->evalPassed)
            w.flag("eval_passed", *this->evalPassed);
        else if (target == FieldWriter::Target::Postgres)
            w.json("eval_passed", nullptr);
    }
    return w.take();
}

} // namespace switchboard
