#include "core/contract/FieldReader.h"

#include "core/contract/Timestamp.h"

#include <cmath>
#include <cstring>

namespace switchboard {

namespace {

QString fieldName(const char *name)
{
    return QStringLiteral("field ") + QLatin1String(name);
}

constexpr int kMaxJsonDepth = 64;

// Depth of [ and { outside strings; O(n), stops at the first level past the limit.
bool tooDeep(const QByteArray &text)
{
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (const char c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth)
                return true;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return false;
}

} // namespace

FieldReader::FieldReader(const RecordFields &fields)
    : m_fields(fields)
{
    if (!fields.structuralError().isEmpty())
        m_errors.append(fields.structuralError());
}

QString FieldReader::quote(const QByteArray &value)
{
    constexpr qsizetype kShown = 40;
    QString out;
    out.reserve(kShown * 2 + 24);
    out += QLatin1Char('\'');
    const qsizetype n = std::min(value.size(), kShown);
    for (qsizetype i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(value[i]);
        if (c == '\n')
            out += QStringLiteral("\\n");
        else if (c == '\'' || c == '\\')
            out += QLatin1Char('\\') + QLatin1Char(char(c));
        else if (c >= 0x20 && c < 0x7f)
            out += QLatin1Char(char(c));
        else
            out += QStringLiteral("\\x%1").arg(uint(c), 2, 16, QLatin1Char('0'));
    }
    out += QLatin1Char('\'');
    if (value.size() > kShown)
        out += QStringLiteral("… (%1 bytes)").arg(value.size());
    return out;
}

qsizetype FieldReader::invalidUtf8At(const QByteArray &bytes)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.constData());
    const qsizetype n = bytes.size();
    qsizetype i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int len = 0;
        unsigned min = 0;
        unsigned cp = 0;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return i;
        }
        if (i + len > n)
            return i;
        for (int k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += len;
    }
    return -1;
}

bool FieldReader::parseJson(const QByteArray &text, nlohmann::json *out, QString *error)
{
    // nlohmann's parser takes a NUL byte for the end of the input: `{"a":1}\0<anything>`
    // was valid JSON (found by fuzz_json). JSON text has no raw NUL, in strings or out.
    if (const qsizetype nul = text.indexOf('\0'); nul >= 0) {
        *error = QStringLiteral("NUL byte at byte %1").arg(nul);
        return false;
    }
    if (tooDeep(text)) {
        *error = QStringLiteral("nested deeper than %1 levels").arg(kMaxJsonDepth);
        return false;
    }
    try {
        *out = nlohmann::json::parse(text.constBegin(), text.constEnd());
        return true;
    } catch (const nlohmann::json::parse_error &e) {
        // what(): "[json.exception.parse_error.101] parse error at line 1, column 18:
        // syntax error while parsing value - unexpected end of input; expected ..."
        QString what = QString::fromUtf8(e.what());
        const qsizetype dash = what.indexOf(QStringLiteral(" - "));
        if (dash >= 0)
            what = what.mid(dash + 3);
        const qsizetype semi = what.indexOf(QLatin1Char(';'));
        if (semi >= 0)
            what.truncate(semi);
        if (what.size() > 120)
            what = what.left(120) + QStringLiteral("…");
        // e.byte counts from 1; messages give the 0-based offset of the offending byte.
        *error = what + QStringLiteral(" at byte %1").arg(qulonglong(e.byte > 0 ? e.byte - 1 : 0));
    } catch (const std::exception &e) {
        *error = QString::fromUtf8(e.what()).left(120);
    }
    return false;
}

void FieldReader::fail(const char *name, const QByteArray &value, const QString &what)
{
    m_errors.append(fieldName(name) + QStringLiteral(" = ") + quote(value) + QLatin1Char(' ')
                    + what);
}

const QByteArray *FieldReader::scalar(const char *name, Need need, qsizetype cap)
{
    const RecordFields::Value *v
        = m_fields.find(QByteArray::fromRawData(name, qsizetype(std::strlen(name))));
    if (!v) {
        if (need == Required)
            m_errors.append(fieldName(name) + QStringLiteral(" is missing"));
        return nullptr;
    }
    if (!v->has_value()) {
        if (need == Required)
            m_errors.append(fieldName(name) + QStringLiteral(" is null"));
        return nullptr;
    }
    const QByteArray &raw = **v;
    if (raw.size() > cap) {
        m_errors.append(
            fieldName(name)
            + QStringLiteral(" is %1 bytes, over the %2-byte cap").arg(raw.size()).arg(cap));
        return nullptr;
    }
    if (raw.isEmpty() && need == Optional)
        return nullptr; // Redis has no NULL: an empty optional field means "not set"
    if (raw.isEmpty()) {
        m_errors.append(fieldName(name) + QStringLiteral(" is empty"));
        return nullptr;
    }
    return &raw;
}

QString FieldReader::text(const char *name, Need need, qsizetype cap)
{
    const QByteArray *raw = scalar(name, need, cap);
    if (!raw)
        return {};
    const qsizetype bad = invalidUtf8At(*raw);
    if (bad >= 0) {
        m_errors.append(fieldName(name) + QStringLiteral(" is not valid UTF-8 (byte %1)").arg(bad));
        return {};
    }
    if (raw->contains('\0')) {
        m_errors.append(fieldName(name) + QStringLiteral(" contains a NUL byte"));
        return {};
    }
    return QString::fromUtf8(*raw);
}

qint64 FieldReader::integer(const char *name, Need need, qint64 min, qint64 max, qint64 fallback)
{
    const QByteArray *raw = scalar(name, need, caps::kScalar);
    if (!raw)
        return fallback;
    const auto v = timestamp::parseInteger(*raw);
    if (!v) {
        fail(name, *raw, QStringLiteral("is not an integer"));
        return fallback;
    }
    if (*v < min || *v > max) {
        fail(name, *raw, QStringLiteral("is out of range (%1..%2)").arg(min).arg(max));
        return fallback;
    }
    return *v;
}

std::optional<qint64> FieldReader::optInteger(const char *name, qint64 min, qint64 max)
{
    const int before = int(m_errors.size());
    const RecordFields::Value *v
        = m_fields.find(QByteArray::fromRawData(name, qsizetype(std::strlen(name))));
    if (!v || !v->has_value() || (*v)->isEmpty())
        return std::nullopt;
    const qint64 r = integer(name, Optional, min, max, 0);
    if (m_errors.size() != before)
        return std::nullopt;
    return r;
}

double FieldReader::number(const char *name, Need need, double min, double fallback)
{
    const QByteArray *raw = scalar(name, need, caps::kScalar);
    if (!raw)
        return fallback;
    bool ok = false;
    const double v = raw->size() <= caps::kNumber ? raw->toDouble(&ok) : 0.0;
    // toDouble accepts surrounding spaces, "nan" and "inf": none of those are contract numbers.
    if (!ok || !std::isfinite(v) || raw->front() == ' ' || raw->back() == ' ') {
        fail(name, *raw, QStringLiteral("is not a number"));
        return fallback;
    }
    if (v < min) {
        fail(name, *raw, QStringLiteral("is below %1").arg(min));
        return fallback;
    }
    return v;
}

std::optional<double> FieldReader::optNumber(const char *name, double min)
{
    const int before = int(m_errors.size());
    const RecordFields::Value *v
        = m_fields.find(QByteArray::fromRawData(name, qsizetype(std::strlen(name))));
    if (!v || !v->has_value() || (*v)->isEmpty())
        return std::nullopt;
    const double r = number(name, Optional, min, 0);
    if (m_errors.size() != before)
        return std::nullopt;
    return r;
}

bool FieldReader::flag(const char *name, Need need, bool fallback)
{
    const QByteArray *raw = scalar(name, need, caps::kScalar);
    if (!raw)
        return fallback;
    if (*raw == "1" || *raw == "t" || *raw == "true")
        return true;
    if (*raw == "0" || *raw == "f" || *raw == "false")
        return false;
    fail(name, *raw, QStringLiteral("is not a boolean (1|0)"));
    return fallback;
}

qint64 FieldReader::time(const char *name, Need need)
{
    const QByteArray *raw = scalar(name, need, caps::kScalar);
    if (!raw)
        return 0;
    const auto v = timestamp::parseMs(*raw);
    if (!v || *v < 0) {
        fail(name, *raw, QStringLiteral("is not a timestamp (Unix ms or timestamptz)"));
        return 0;
    }
    return *v;
}

std::optional<qint64> FieldReader::optTime(const char *name)
{
    const int before = int(m_errors.size());
    const RecordFields::Value *v
        = m_fields.find(QByteArray::fromRawData(name, qsizetype(std::strlen(name))));
    if (!v || !v->has_value() || (*v)->isEmpty())
        return std::nullopt;
    const qint64 r = time(name, Optional);
    if (m_errors.size() != before)
        return std::nullopt;
    return r;
}

nlohmann::json FieldReader::json(const char *name, Need need, qsizetype cap)
{
    const QByteArray *raw = scalar(name, need, cap);
    if (!raw)
        return nullptr;
    nlohmann::json out;
    QString error;
    if (!parseJson(*raw, &out, &error)) {
        m_errors.append(fieldName(name) + QStringLiteral(" is not valid JSON: ") + error);
        return nullptr;
    }
    return out;
}

} // namespace switchboard
