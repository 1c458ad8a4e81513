#pragma once
// One record in text form, whatever it came from: a Redis hash (HGETALL), a stream entry
// (XREAD), or a Postgres row as text. A field can be missing, present but NULL (Postgres),
// or present with bytes; those three are kept apart so a parser can say which.
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <optional>
#include <utility>
#include <vector>

namespace switchboard {

class RecordFields
{
public:
    using Value = std::optional<QByteArray>; // nullopt = SQL NULL

    RecordFields() = default;

    // From a flat [k1, v1, k2, v2, …] reply. An odd count is recorded as a structural
    // error (the dangling name is kept as a field with an empty value); a repeated name
    // keeps the last value, like HSET would.
    static RecordFields fromFlatList(const QList<QByteArray> &flat);
    // From (column, nullable text) pairs, e.g. a Postgres row read as text.
    static RecordFields
    fromPairs(const std::vector<std::pair<QString, std::optional<QString>>> &pairs);

    void set(const QByteArray &name, Value value);
    void setText(const QByteArray &name, const QString &text) { set(name, text.toUtf8()); }
    void setNull(const QByteArray &name) { set(name, std::nullopt); }
    void reserve(int fields) { m_fields.reserve(size_t(qMax(0, fields))); }

    bool contains(const QByteArray &name) const { return indexOf(name) >= 0; }
    // nullptr when missing; points at nullopt when NULL.
    const Value *find(const QByteArray &name) const;
    bool isNull(const QByteArray &name) const;

    int size() const { return int(m_fields.size()); }
    bool isEmpty() const { return m_fields.empty(); }
    // Names in first-insertion order.
    QList<QByteArray> names() const;
    const std::vector<std::pair<QByteArray, Value>> &entries() const { return m_fields; }

    // [k1, v1, …] for HSET / XADD (NULLs become empty strings: Redis has no NULL).
    QList<QByteArray> toFlatList() const;

    // Non-empty when the source itself was malformed (odd-length flat list).
    const QString &structuralError() const { return m_structuralError; }

    bool operator==(const RecordFields &other) const;
    bool operator!=(const RecordFields &other) const { return !(*this == other); }

private:
    int indexOf(const QByteArray &name) const; // -1 when missing

    std::vector<std::pair<QByteArray, Value>> m_fields;
    QHash<QByteArray, int> m_index; // built only for large records (see set())
    QString m_structuralError;
};

} // namespace switchboard
