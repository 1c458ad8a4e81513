#pragma once
// The assembled prompt of a model call as the contract stores it (agentops.spans.input of
// an llm span, output of a prompt span): a JSON array of {"role", "kind", "text"} in
// prompt order, kind one of the context segment kinds. The OpenTelemetry receiver and the
// simulator write it; the traces view and the HTML export show it as segments.
#include <QList>
#include <QString>

#include <nlohmann/json_fwd.hpp>
#include <optional>

namespace switchboard {

struct PromptMessage
{
    QString role; // as written (untrusted text)
    QString kind; // a context segment kind; "message" when missing or unknown
    QString text;
};

// nullopt unless v is a non-empty array of objects each with a string "text" (role and
// kind optional strings): anything else is shown as the JSON it is.
std::optional<QList<PromptMessage>> parsePromptMessages(const nlohmann::json &v);

// The display layout: per message a marker line "<|role:kind|>" then its text. Not a
// storage format. Role and kind are reduced to [a-z_] (at most 32 characters) so a marker
// line cannot carry anything else, and a text line that starts with "<|" gets a leading
// space, so a message cannot fake a segment boundary.
QString promptSegmentsText(const QList<PromptMessage> &messages);

} // namespace switchboard
