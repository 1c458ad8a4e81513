#pragma once
// Timestamps of the contract: Redis holds Unix milliseconds as decimal text, Postgres
// hands timestamptz out as text ("2026-11-26 23:29:27.123+00"). Both become qint64 ms.
#include <QByteArray>
#include <QString>
#include <optional>

namespace switchboard::timestamp {

// Strict decimal integer (optional '-', digits only, no spaces), overflow-checked.
std::optional<qint64> parseInteger(const QByteArray &text);
// Unix ms integer, or an ISO-8601 / Postgres timestamptz text with an explicit offset
// (Z, +HH, +HH:MM, +HHMM). Fractions beyond milliseconds are truncated.
std::optional<qint64> parseMs(const QByteArray &text);
// Only the timestamptz form.
std::optional<qint64> parseTimestamptz(const QByteArray &text);
// "2026-11-26 23:29:27.123+00", which Postgres accepts as timestamptz input.
QByteArray toTimestamptz(qint64 ms);

} // namespace switchboard::timestamp
