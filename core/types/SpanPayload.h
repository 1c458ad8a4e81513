#pragma once
// One span's payloads as PayloadLoader reads them and the trace inspector shows them:
// plain values, and the sizes both sides agree on.
#include "core/contract/ProcessEvent.h"

#include <QStringList>
#include <QVector>

#include <memory>
#include <nlohmann/json.hpp>

namespace switchboard {

namespace payload {
constexpr int kHeadChars = 128 * 1024; // read when a span is opened, shown at once
constexpr int kChunkChars = 1024 * 1024; // one part of "show all"
enum class Which { Input, Output };
} // namespace payload

struct PayloadText
{
    QString head; // the first kHeadChars characters
    qint64 totalChars = 0; // -1 = NULL
    bool complete() const { return totalChars <= head.size(); }
    // Set when the whole payload was loaded and looks like JSON: parsed or why not.
    std::shared_ptr<const nlohmann::json> json;
    QString jsonError; // "not valid JSON: …" (empty when valid or not JSON-looking)
};

struct SpanPayload
{
    QString spanId;
    bool found = false;
    PayloadText input;
    PayloadText output;
    QString attrs; // jsonb as text
    QString error;
    QString errorType;
    QString promptSpanId; // a model call's assembled prompt lives on this span
    PayloadText prompt;
    QVector<ProcessEvent> processEvents;
    QStringList badProcessEvents;
};

} // namespace switchboard
