#pragma once
// Builds the text form of a record for Redis (HSET / XADD) or a Postgres row, so every
// writer (simulator, console, tests) produces exactly the shape the parsers read.
#include "core/contract/Enums.h"
#include "core/contract/RecordFields.h"

#include <QString>
#include <nlohmann/json.hpp>
#include <optional>

namespace switchboard {

class FieldWriter
{
public:
    // Redis: times as Unix ms, booleans 1|0, unset optionals omitted.
    // Postgres: times as timestamptz text, booleans t|f, unset optionals NULL.
    enum class Target { Redis, Postgres };

    explicit FieldWriter(Target target = Target::Redis)
        : m_target(target)
    {
    }

    void text(const char *name, const QString &value);
    void optText(const char *name, const QString &value);  // empty = unset
    void integer(const char *name, qint64 value);
    void optInteger(const char *name, std::optional<qint64> value);
    void number(const char *name, double value);
    void optNumber(const char *name, std::optional<double> value);
    void flag(const char *name, bool value);
    void time(const char *name, qint64 ms);
    void optTime(const char *name, std::optional<qint64> ms);
    void json(const char *name, const nlohmann::json &value);  // null = unset
    template<class E>
    void enumValue(const char *name, E value)
    {
        text(name, enumToText(value));
    }

    const RecordFields &fields() const { return m_fields; }
    RecordFields take() { return std::move(m_fields); }

private:
    void unset(const char *name);

    Target m_target;
    RecordFields m_fields;
};

} // namespace switchboard
