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
        r.m_structuralError = QStringLiteral("odd number of elements (%1) in a name/value list").arg(n);
    }
    return r;
}

RecordFields RecordFields::fromPairs(const std::vector<std::pair<QString, std::optional<QString>>> &pairs)
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

void RecordFields::set(const QByteArray &name, Value value)
{
    const auto it = m_index.constFind(name);
    if (it != m_index.constEnd()) {
        m_fields[size_t(*it)].second = std::move(value);
        return;
    }
    m_index.insert(name, int(m_fields.size()));
    m_fields.emplace_back(name, std::move(value));
}

const RecordFields::Value *RecordFields::find(const QByteArray &name) const
{
    const auto it = m_index.constFind(name);
    return it == m_index.constEnd() ? nullptr : &m_fields[size_t(*it)].second;
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
