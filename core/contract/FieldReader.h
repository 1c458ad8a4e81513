#pragma once
// Reads typed fields out of an untrusted RecordFields and collects a precise reason for
// every field that is missing, null, over its cap, not UTF-8 or of the wrong type. Never
// throws; every check is O(size of the field) at most, and the cap is checked first.
#include "core/contract/Caps.h"
#include "core/contract/Enums.h"
#include "core/contract/RecordFields.h"

#include <QString>
#include <QStringList>

#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

namespace switchboard {

class FieldReader
{
public:
    enum Need { Required, Optional };

    explicit FieldReader(const RecordFields &fields);

    // Text, validated as UTF-8 without NUL bytes. A required text must not be empty.
    QString text(const char *name, Need need = Required, qsizetype cap = caps::kScalar);
    qint64 integer(const char *name, Need need = Required, qint64 min = 0,
                   qint64 max = std::numeric_limits<qint64>::max(), qint64 fallback = 0);
    std::optional<qint64> optInteger(const char *name, qint64 min = 0,
                                     qint64 max = std::numeric_limits<qint64>::max());
    double number(const char *name, Need need = Required, double min = 0, double fallback = 0);
    std::optional<double> optNumber(const char *name, double min = 0);
    // 1|0 (Redis) or t|f|true|false (Postgres).
    bool flag(const char *name, Need need = Required, bool fallback = false);
    // Unix ms or timestamptz text -> ms since the epoch.
    qint64 time(const char *name, Need need = Required);
    std::optional<qint64> optTime(const char *name);
    // JSON text; an absent optional value yields a null json.
    nlohmann::json json(const char *name, Need need = Required, qsizetype cap = caps::kDetailJson);

    template<class E> E enumValue(const char *name, E fallback, Need need = Required)
    {
        const QByteArray *raw = scalar(name, need, caps::kScalar);
        if (!raw)
            return fallback;
        if (auto v = enumFromText<E>(*raw))
            return *v;
        fail(name, *raw, QStringLiteral("is not one of ") + enumAllowed<E>());
        return fallback;
    }

    bool ok() const { return m_errors.isEmpty(); }
    const QStringList &errors() const { return m_errors; }
    void addError(const QString &error) { m_errors.append(error); }

    // 'value' shortened to 40 bytes and escaped (\xNN, \n), for messages.
    static QString quote(const QByteArray &value);
    // Index of the first byte that breaks UTF-8, or -1 when valid.
    static qsizetype invalidUtf8At(const QByteArray &bytes);
    // Parses JSON text without throwing; on failure returns false and sets *error to
    // "unexpected end of input at byte 17". Also refuses nesting deeper than 64 and NUL
    // bytes.
    static bool parseJson(const QByteArray &text, nlohmann::json *out, QString *error);

private:
    // The raw bytes of a present, non-null field within cap, or nullptr (error recorded
    // unless the field is optional and absent).
    const QByteArray *scalar(const char *name, Need need, qsizetype cap);
    void fail(const char *name, const QByteArray &value, const QString &what);

    const RecordFields &m_fields;
    QStringList m_errors;
};

} // namespace switchboard
