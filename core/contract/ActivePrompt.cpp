#include "core/contract/ActivePrompt.h"

#include "core/contract/FieldReader.h"

#include <limits>

namespace switchboard {

QByteArrayList ActivePrompt::fieldNames(FieldWriter::Target target)
{
    Q_UNUSED(target) // not every record has target-specific fields
    QByteArrayList out;
    out.append(QByteArrayLiteral("version"));
    out.append(QByteArrayLiteral("model"));
    out.append(QByteArrayLiteral("deployment_id"));
    out.append(QByteArrayLiteral("deployed_at"));
    return out;
}

QByteArrayList ActivePrompt::requiredFieldNames()
{
    return {QByteArrayLiteral("version"), QByteArrayLiteral("model"),
            QByteArrayLiteral("deployment_id"), QByteArrayLiteral("deployed_at")};
}

Parsed<ActivePrompt> ActivePrompt::parse(const RecordFields &f, const QString &recordId)
{
    FieldReader r(f);
    ActivePrompt v;
    v.agent = recordId;
    v.version
        = r.integer("version", FieldReader::Required, 1, std::numeric_limits<qint64>::max(), 1);
    v.model = r.text("model", FieldReader::Required, caps::kScalar);
    v.deploymentId = r.integer("deployment_id", FieldReader::Required, 1,
                               std::numeric_limits<qint64>::max(), 0);
    v.deployedAt = r.time("deployed_at", FieldReader::Required);
    return Parsed<ActivePrompt>(QString::fromLatin1(kKind), recordId, std::move(v), r.errors());
}

RecordFields ActivePrompt::toFields(FieldWriter::Target target) const
{
    FieldWriter w(target);
    w.integer("version", this->version);
    w.text("model", this->model);
    w.integer("deployment_id", this->deploymentId);
    w.time("deployed_at", this->deployedAt);
    return w.take();
}

QByteArray ActivePrompt::toActivationMessage() const
{
    const nlohmann::json j = {{"agent", agent.toStdString()},
                              {"version", version},
                              {"model", model.toStdString()},
                              {"deployment_id", deploymentId},
                              {"deployed_at", deployedAt}};
    const std::string s = j.dump();
    return QByteArray(s.data(), qsizetype(s.size()));
}

Parsed<ActivePrompt> ActivePrompt::parseActivationMessage(const QByteArray &message)
{
    // Re-use the hash parser: flatten the JSON object's members into text fields.
    nlohmann::json j;
    QString error;
    if (message.size() > caps::kDetailJson) {
        return Parsed<ActivePrompt>(QString::fromLatin1(kKind), QString(), ActivePrompt(),
                                    {QStringLiteral("message is %1 bytes, over the %2-byte cap")
                                         .arg(message.size())
                                         .arg(caps::kDetailJson)});
    }
    if (!FieldReader::parseJson(message, &j, &error) || !j.is_object()) {
        return Parsed<ActivePrompt>(QString::fromLatin1(kKind), QString(), ActivePrompt(),
                                    {QStringLiteral("message is not a JSON object: ")
                                     + (error.isEmpty() ? QStringLiteral("wrong type") : error)});
    }
    RecordFields f;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string s = it->is_string() ? it->get<std::string>() : it->dump();
        f.set(QByteArray::fromStdString(it.key()), QByteArray(s.data(), qsizetype(s.size())));
    }
    const QString agentName = j.contains("agent") && j["agent"].is_string()
        ? QString::fromStdString(j["agent"].get<std::string>())
        : QString();
    if (agentName.isEmpty())
        return Parsed<ActivePrompt>(QString::fromLatin1(kKind), QString(), ActivePrompt(),
                                    {QStringLiteral("field agent is missing")});
    return parse(f, agentName);
}

} // namespace switchboard
