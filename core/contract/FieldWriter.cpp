#include "core/contract/FieldWriter.h"

#include "core/contract/Timestamp.h"

#include <QLocale>

namespace switchboard {

void FieldWriter::unset(const char *name)
{
    if (m_target == Target::Postgres)
        m_fields.setNull(QByteArray(name));
}

void FieldWriter::text(const char *name, const QString &value) { m_fields.set(QByteArray(name), value.toUtf8()); }

void FieldWriter::optText(const char *name, const QString &value)
{
    if (value.isEmpty())
        unset(name);
    else
        text(name, value);
}

void FieldWriter::integer(const char *name, qint64 value)
{
    m_fields.set(QByteArray(name), QByteArray::number(value));
}

void FieldWriter::optInteger(const char *name, std::optional<qint64> value)
{
    if (value)
        integer(name, *value);
    else
        unset(name);
}

void FieldWriter::number(const char *name, double value)
{
    m_fields.set(QByteArray(name), QByteArray::number(value, 'g', QLocale::FloatingPointShortest));
}

void FieldWriter::optNumber(const char *name, std::optional<double> value)
{
    if (value)
        number(name, *value);
    else
        unset(name);
}

void FieldWriter::flag(const char *name, bool value)
{
    if (m_target == Target::Postgres)
        m_fields.set(QByteArray(name), value ? QByteArrayLiteral("t") : QByteArrayLiteral("f"));
    else
        m_fields.set(QByteArray(name), value ? QByteArrayLiteral("1") : QByteArrayLiteral("0"));
}

void FieldWriter::time(const char *name, qint64 ms)
{
    if (m_target == Target::Postgres)
        m_fields.set(QByteArray(name), timestamp::toTimestamptz(ms));
    else
        integer(name, ms);
}

void FieldWriter::optTime(const char *name, std::optional<qint64> ms)
{
    if (ms)
        time(name, *ms);
    else
        unset(name);
}

void FieldWriter::json(const char *name, const nlohmann::json &value)
{
    if (value.is_null()) {
        unset(name);
        return;
    }
    const std::string s = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    m_fields.set(QByteArray(name), QByteArray(s.data(), qsizetype(s.size())));
}

} // namespace switchboard
