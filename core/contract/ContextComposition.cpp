#include "core/contract/ContextComposition.h"

#include "core/contract/Caps.h"
#include "core/contract/FieldReader.h"
#include "core/util/SafeMath.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace switchboard {

namespace {

QString typeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("boolean");
    case QJsonValue::Double:
        return QStringLiteral("number");
    case QJsonValue::String:
        return QStringLiteral("string");
    case QJsonValue::Array:
        return QStringLiteral("array");
    case QJsonValue::Object:
        return QStringLiteral("object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("undefined");
}

// Token counts must be integers that a double holds exactly.
bool readCount(const QJsonValue &j, const QString &where, qint64 *out, QStringList *errors)
{
    const double d = j.toDouble(-1.0);
    if (!j.isDouble() || d < 0 || d > 9007199254740992.0 || d != double(qint64(d))) {
        errors->append(QStringLiteral("field ") + where
                       + QStringLiteral(" is not a non-negative integer (") + typeName(j)
                       + QLatin1Char(')'));
        return false;
    }
    *out = qint64(d);
    return true;
}

} // namespace

QStringList ContextComposition::fieldNames()
{
    return {QStringLiteral("limit"),           QStringLiteral("estimated"),
            QStringLiteral("model"),           QStringLiteral("updated_at"),
            QStringLiteral("segments"),        QStringLiteral("segments[].kind"),
            QStringLiteral("segments[].role"), QStringLiteral("segments[].tokens"),
            QStringLiteral("segments[].text")};
}

QStringList ContextComposition::requiredFieldNames()
{
    return {QStringLiteral("segments"), QStringLiteral("segments[].kind"),
            QStringLiteral("segments[].tokens")};
}

qint64 ContextComposition::totalTokens() const
{
    qint64 sum = 0; // segments are each at most 2^53, but there may be thousands of them
    for (const ContextSegment &s : segments)
        sum = safe::add(sum, s.tokens);
    return sum;
}

qint64 ContextComposition::tokensOf(SegmentKind kind) const
{
    qint64 sum = 0;
    for (const ContextSegment &s : segments)
        if (s.kind == kind)
            sum = safe::add(sum, s.tokens);
    return sum;
}

Parsed<ContextComposition> ContextComposition::parse(const QByteArray &json,
                                                     const QString &sessionId)
{
    ContextComposition v;
    v.sessionId = sessionId;
    QStringList errors;
    const auto done = [&]() {
        return Parsed<ContextComposition>(QString::fromLatin1(kKind), sessionId, std::move(v),
                                          errors);
    };
    if (json.size() > caps::kContextJson) {
        errors.append(QStringLiteral("value is %1 bytes, over the %2-byte cap")
                          .arg(json.size())
                          .arg(caps::kContextJson));
        return done();
    }
    // QJsonDocument rather than nlohmann here: this value can be megabytes and is parsed
    // on the GUI thread, and Qt's parser is several times faster (and depth-limited).
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError) {
        errors.append(QStringLiteral("value is not valid JSON: ") + error.errorString()
                      + QStringLiteral(" at byte %1").arg(error.offset));
        return done();
    }
    if (!doc.isObject()) {
        errors.append(QStringLiteral("value is a JSON ")
                      + (doc.isArray() ? QStringLiteral("array") : QStringLiteral("scalar"))
                      + QStringLiteral(", not an object"));
        return done();
    }
    const QJsonObject j = doc.object();
    // No limit: the window is not known (a receiver that was not told it); shown as such.
    if (j.contains(QLatin1String("limit")))
        readCount(j.value(QLatin1String("limit")), QStringLiteral("limit"), &v.limit, &errors);
    if (j.contains(QLatin1String("estimated"))) {
        const QJsonValue e = j.value(QLatin1String("estimated"));
        if (e.isBool())
            v.estimated = e.toBool();
        else
            errors.append(QStringLiteral("field estimated is not a boolean (") + typeName(e)
                          + QLatin1Char(')'));
    }
    if (j.contains(QLatin1String("model"))) {
        const QJsonValue m = j.value(QLatin1String("model"));
        if (m.isString())
            v.model = m.toString().left(int(caps::kScalar));
        else
            errors.append(QStringLiteral("field model is not a string (") + typeName(m)
                          + QLatin1Char(')'));
    }
    if (j.contains(QLatin1String("updated_at")))
        readCount(j.value(QLatin1String("updated_at")), QStringLiteral("updated_at"), &v.updatedAt,
                  &errors);
    if (!j.contains(QLatin1String("segments"))) {
        errors.append(QStringLiteral("field segments is missing"));
        return done();
    }
    const QJsonValue segsValue = j.value(QLatin1String("segments"));
    if (!segsValue.isArray()) {
        errors.append(QStringLiteral("field segments is not an array (") + typeName(segsValue)
                      + QLatin1Char(')'));
        return done();
    }
    const QJsonArray segs = segsValue.toArray();
    v.segments.reserve(segs.size());
    int i = 0;
    for (const QJsonValue &sv : segs) {
        const QString at = QStringLiteral("segments[%1]").arg(i++);
        if (errors.size() > 20)
            break; // enough to explain; do not build a 1 MB message
        if (!sv.isObject()) {
            errors.append(QStringLiteral("field ") + at + QStringLiteral(" is not an object"));
            continue;
        }
        const QJsonObject s = sv.toObject();
        ContextSegment seg;
        const QJsonValue kind = s.value(QLatin1String("kind"));
        if (!kind.isString()) {
            errors.append(QStringLiteral("field ") + at
                          + QStringLiteral(".kind is missing or not a string"));
        } else {
            const QByteArray k = kind.toString().toUtf8();
            if (auto e = enumFromText<SegmentKind>(k))
                seg.kind = *e;
            else
                errors.append(QStringLiteral("field ") + at + QStringLiteral(".kind = ")
                              + FieldReader::quote(k) + QStringLiteral(" is not one of ")
                              + enumAllowed<SegmentKind>());
        }
        const QJsonValue role = s.value(QLatin1String("role"));
        if (role.isString())
            seg.role = role.toString().left(64);
        else if (!role.isUndefined() && !role.isNull())
            errors.append(QStringLiteral("field ") + at + QStringLiteral(".role is not a string"));
        if (!s.contains(QLatin1String("tokens")))
            errors.append(QStringLiteral("field ") + at + QStringLiteral(".tokens is missing"));
        else
            readCount(s.value(QLatin1String("tokens")), at + QStringLiteral(".tokens"), &seg.tokens,
                      &errors);
        const QJsonValue text = s.value(QLatin1String("text"));
        if (text.isString())
            seg.text = text.toString();
        else if (!text.isUndefined() && !text.isNull())
            errors.append(QStringLiteral("field ") + at + QStringLiteral(".text is not a string"));
        v.segments.append(std::move(seg));
    }
    return done();
}

nlohmann::json ContextComposition::toJson() const
{
    nlohmann::json segs = nlohmann::json::array();
    for (const ContextSegment &s : segments) {
        nlohmann::json o = {{"kind", enumToText(s.kind).toStdString()},
                            {"tokens", s.tokens},
                            {"text", s.text.toStdString()}};
        if (!s.role.isEmpty())
            o["role"] = s.role.toStdString();
        segs.push_back(std::move(o));
    }
    nlohmann::json j = {{"segments", std::move(segs)}};
    if (limit > 0)
        j["limit"] = limit;
    if (estimated)
        j["estimated"] = true;
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
