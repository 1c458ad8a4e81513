#pragma once
// The result of reading one untrusted record: the value, or the precise reasons it is bad,
// always with the record's kind and key/id so a view can show a marked bad row
// ("session abc: field ctx_tokens = 'lots' is not an integer") instead of dropping it.
#include <QString>
#include <QStringList>
#include <utility>

namespace switchboard {

template<class T>
class Parsed
{
public:
    // kind names the record type in messages ("session", "process", "span").
    Parsed(QString kind, QString recordId, T value, QStringList errors)
        : m_kind(std::move(kind))
        , m_id(std::move(recordId))
        , m_value(std::move(value))
        , m_errors(std::move(errors))
    {
    }

    bool isOk() const { return m_errors.isEmpty(); }
    explicit operator bool() const { return isOk(); }

    // For a bad record this is whatever could be read before and around the errors
    // (unreadable fields keep their defaults): enough to place the marked row.
    const T &value() const { return m_value; }
    T &value() { return m_value; }

    const QString &kind() const { return m_kind; }
    const QString &recordId() const { return m_id; }
    // Every problem found, each "field X …"; the first is the headline.
    const QStringList &errors() const { return m_errors; }
    QString reason() const { return m_errors.isEmpty() ? QString() : m_errors.first(); }
    // "session abc: field agent is missing" (empty when the record is good).
    QString message() const
    {
        if (isOk())
            return {};
        return m_kind + QLatin1Char(' ') + m_id + QStringLiteral(": ") + m_errors.first();
    }

private:
    QString m_kind;
    QString m_id;
    T m_value;
    QStringList m_errors;
};

} // namespace switchboard
