#include "core/contract/RecordFields.h"

namespace switchboard {

RecordFields RecordFields::fromFlatList(const QList<QByteArray> &flat)
{
    RecordFields r;
    const int n = int(flat.size());
    r.m_fields.reserve(size_t(n / 2 + 1));
    for (int i = 0; i + 1 < n; i += 2)
        r.set(flat.at(i), flat.at(i + 1));
    if (n % 2 != 0) {
        r.set(flat.at(n - 1), QByteArray());
        r.m_structuralError
            = QStringLiteral("odd number of elements (%1) in a name/value list").arg(n);
    }
    return r;
}

RecordFields
RecordFields::fromPairs(const std::vector<std::pair<QString, std::optional<QString>>> &pairs)
{
    RecordFields r;
    r.m_fields.reserve(pairs.size());
    for (const auto &p : pairs) {
        if (p.second)
            r.set(p.first.toUtf8(), p.second->toUtf8());
        else
            r.set(p.first.toUtf8(), std::nullopt);
    }
    return r;
}

// A record of a few dozen fields is searched linearly: building a hash per record cost
// more than the lookups it saves (the events tail parses tens of thousands a second).
// Past kIndexFrom fields (hostile input: thousands of names) the hash keeps it linear.
namespace {
constexpr size_t kIndexFrom = 32;
}

int RecordFields::indexOf(const QByteArray &name) const
{
    if (!m_index.isEmpty())
        return m_index.value(name, -1);
    for (size_t i = 0; i < m_fields.size(); ++i) {
        if (m_fields[i].first == name)
            return int(i);
    }
    return -1;
}

void RecordFields::set(const QByteArray &name, Value value)
{
    const int at = indexOf(name);
    if (at >= 0) {
        m_fields[size_t(at)].second = std::move(value);
        return;
    }
    m_fields.emplace_back(name, std::move(value));
    if (!m_index.isEmpty()) {
        m_index.insert(name, int(m_fields.size() - 1));
    } else if (m_fields.size() >= kIndexFrom) {
        m_index.reserve(qsizetype(m_fields.size() * 2));
        for (size_t i = 0; i < m_fields.size(); ++i)
            m_index.insert(m_fields[i].first, int(i));
    }
}

const RecordFields::Value *RecordFields::find(const QByteArray &name) const
{
    const int at = indexOf(name);
    return at < 0 ? nullptr : &m_fields[size_t(at)].second;
}

bool RecordFields::isNull(const QByteArray &name) const
{
    const Value *v = find(name);
    return v && !v->has_value();
}

QList<QByteArray> RecordFields::names() const
{
    QList<QByteArray> out;
    out.reserve(qsizetype(m_fields.size()));
    for (const auto &f : m_fields)
        out.append(f.first);
    return out;
}

QList<QByteArray> RecordFields::toFlatList() const
{
    QList<QByteArray> out;
    out.reserve(qsizetype(m_fields.size() * 2));
    for (const auto &f : m_fields) {
        out.append(f.first);
        out.append(f.second.value_or(QByteArray()));
    }
    return out;
}

bool RecordFields::operator==(const RecordFields &other) const
{
    if (m_fields.size() != other.m_fields.size())
        return false;
    for (const auto &f : m_fields) {
        const Value *o = other.find(f.first);
        if (!o || *o != f.second)
            return false;
    }
    return true;
}

} // namespace switchboard
