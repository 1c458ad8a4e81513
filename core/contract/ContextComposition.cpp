#include "core/contract/ContextComposition.h"

#include "core/contract/Caps.h"
#include "core/contract/FieldReader.h"

namespace switchboard {

namespace {

// The JSON type a value should have been, for messages.
QString typeName(const nlohmann::json &j) { return QString::fromLatin1(j.type_name()); }

bool readCount(const nlohmann::json &j, const QString &where, qint64 *out, QStringList *errors)
{
    if (!j.is_number_integer() || (j.is_number_integer() && j.get<qint64>() < 0)) {
        errors->append(QStringLiteral("field ") + where + QStringLiteral(" is not a non-negative integer (")
                       + typeName(j) + QLatin1Char(')'));
        return false;
    }
    *out = j.get<qint64>();
    return true;
}

} // namespace

qint64 ContextComposition::totalTokens() const
{
    qint64 sum = 0;
    for (const ContextSegment &s : segments)
        sum += s.tokens;
    return sum;
}

qint64 ContextComposition::tokensOf(SegmentKind kind) const
{
    qint64 sum = 0;
    for (const ContextSegment &s : segments)
        if (s.kind == kind)
            sum += s.tokens;
    return sum;
}

Parsed<ContextComposition> ContextComposition::parse(const QByteArray &json, const QString &sessionId)
{
    ContextComposition v;
    v.sessionId = sessionId;
    QStringList errors;
    const auto done = [&]() {
        return Parsed<ContextComposition>(QString::fromLatin1(kKind), sessionId, std::move(v), errors);
    };
    if (json.size() > caps::kContextJson) {
        errors.append(QStringLiteral("value is %1 bytes, over the %2-byte cap").arg(json.size()).arg(caps::kContextJson));
        return done();
    }
    nlohmann::json j;
    QString error;
    if (!FieldReader::parseJson(json, &j, &error)) {
        errors.append(QStringLiteral("value is not valid JSON: ") + error);
        return done();
    }
    if (!j.is_object()) {
        errors.append(QStringLiteral("value is a JSON ") + typeName(j) + QStringLiteral(", not an object"));
        return done();
    }
    if (!j.contains("limit"))
        errors.append(QStringLiteral("field limit is missing"));
    else
        readCount(j["limit"], QStringLiteral("limit"), &v.limit, &errors);
    if (j.contains("model")) {
        if (j["model"].is_string())
            v.model = QString::fromStdString(j["model"].get<std::string>()).left(int(caps::kScalar));
        else
            errors.append(QStringLiteral("field model is not a string (") + typeName(j["model"]) + QLatin1Char(')'));
    }
    if (j.contains("updated_at"))
        readCount(j["updated_at"], QStringLiteral("updated_at"), &v.updatedAt, &errors);
    if (!j.contains("segments")) {
        errors.append(QStringLiteral("field segments is missing"));
        return done();
    }
    const nlohmann::json &segs = j["segments"];
    if (!segs.is_array()) {
        errors.append(QStringLiteral("field segments is not an array (") + typeName(segs) + QLatin1Char(')'));
        return done();
    }
    v.segments.reserve(qsizetype(segs.size()));
    int i = 0;
    for (const nlohmann::json &s : segs) {
        const QString at = QStringLiteral("segments[%1]").arg(i++);
        if (errors.size() > 20)
            break;  // enough to explain; do not build a 1 MB message
        if (!s.is_object()) {
            errors.append(QStringLiteral("field ") + at + QStringLiteral(" is not an object"));
            continue;
        }
        ContextSegment seg;
        const auto kind = s.find("kind");
        if (kind == s.end() || !kind->is_string()) {
            errors.append(QStringLiteral("field ") + at + QStringLiteral(".kind is missing or not a string"));
        } else {
            const QByteArray k = QByteArray::fromStdString(kind->get<std::string>());
            if (auto e = enumFromText<SegmentKind>(k))
                seg.kind = *e;
            else
                errors.append(QStringLiteral("field ") + at + QStringLiteral(".kind = ") + FieldReader::quote(k)
                              + QStringLiteral(" is not one of ") + enumAllowed<SegmentKind>());
        }
        const auto role = s.find("role");
        if (role != s.end() && !role->is_null()) {
            if (role->is_string())
                seg.role = QString::fromStdString(role->get<std::string>()).left(64);
            else
                errors.append(QStringLiteral("field ") + at + QStringLiteral(".role is not a string"));
        }
        const auto tokens = s.find("tokens");
        if (tokens == s.end())
            errors.append(QStringLiteral("field ") + at + QStringLiteral(".tokens is missing"));
        else
            readCount(*tokens, at + QStringLiteral(".tokens"), &seg.tokens, &errors);
        const auto text = s.find("text");
        if (text != s.end() && !text->is_null()) {
            if (text->is_string())
                seg.text = QString::fromStdString(text->get<std::string>());
            else
                errors.append(QStringLiteral("field ") + at + QStringLiteral(".text is not a string"));
        }
        v.segments.append(std::move(seg));
    }
    return done();
}

nlohmann::json ContextComposition::toJson() const
{
    nlohmann::json segs = nlohmann::json::array();
    for (const ContextSegment &s : segments) {
        nlohmann::json o = {{"kind", enumToText(s.kind).toStdString()}, {"tokens", s.tokens}, {"text", s.text.toStdString()}};
        if (!s.role.isEmpty())
            o["role"] = s.role.toStdString();
        segs.push_back(std::move(o));
    }
    nlohmann::json j = {{"limit", limit}, {"segments", std::move(segs)}};
    if (!model.isEmpty())
        j["model"] = model.toStdString();
    if (updatedAt > 0)
        j["updated_at"] = updatedAt;
    return j;
}

QByteArray ContextComposition::toBytes() const
{
    const std::string s = toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return QByteArray(s.data(), qsizetype(s.size()));
}

} // namespace switchboard
