#include "core/contract/PromptMessages.h"

#include "core/contract/Enums.h"

#include <nlohmann/json.hpp>

namespace switchboard {

namespace {

QString markerWord(const QString &s, const QString &fallback)
{
    QString out;
    for (const QChar c : s) {
        if (out.size() >= 32)
            break;
        const QChar l = c.toLower();
        if ((l >= QLatin1Char('a') && l <= QLatin1Char('z')) || l == QLatin1Char('_'))
            out += l;
    }
    return out.isEmpty() ? fallback : out;
}

} // namespace

std::optional<QList<PromptMessage>> parsePromptMessages(const nlohmann::json &v)
{
    if (!v.is_array() || v.empty())
        return std::nullopt;
    QList<PromptMessage> out;
    out.reserve(qsizetype(v.size()));
    for (const nlohmann::json &m : v) {
        if (!m.is_object())
            return std::nullopt;
        const auto text = m.find("text");
        if (text == m.end() || !text->is_string())
            return std::nullopt;
        PromptMessage msg;
        msg.text = QString::fromStdString(text->get<std::string>());
        const auto role = m.find("role");
        if (role != m.end()) {
            if (!role->is_string())
                return std::nullopt;
            msg.role = QString::fromStdString(role->get<std::string>());
        }
        msg.kind = QStringLiteral("message");
        const auto kind = m.find("kind");
        if (kind != m.end()) {
            if (!kind->is_string())
                return std::nullopt;
            const std::string k = kind->get<std::string>();
            if (enumFromText<SegmentKind>(QByteArray::fromStdString(k)))
                msg.kind = QString::fromStdString(k);
        }
        out.append(std::move(msg));
    }
    return out;
}

QString promptSegmentsText(const QList<PromptMessage> &messages)
{
    QString out;
    qsizetype size = 0;
    for (const PromptMessage &m : messages)
        size += m.text.size() + 48;
    out.reserve(size);
    for (const PromptMessage &m : messages) {
        out += QStringLiteral("<|") + markerWord(m.role, QStringLiteral("unknown"))
            + QLatin1Char(':') + markerWord(m.kind, QStringLiteral("message"))
            + QStringLiteral("|>\n");
        qsizetype at = 0;
        while (at <= m.text.size()) {
            qsizetype end = m.text.indexOf(QLatin1Char('\n'), at);
            if (end < 0)
                end = m.text.size();
            const QStringView line = QStringView(m.text).mid(at, end - at);
            if (line.startsWith(QLatin1String("<|")))
                out += QLatin1Char(' ');
            out += line;
            out += QLatin1Char('\n');
            at = end + 1;
        }
    }
    return out;
}

} // namespace switchboard
