#pragma once
// What fills a session's context window: the JSON string `N session:{id}:ctx`
// {"limit":…, "model":…, "updated_at":…, "estimated":…,
//  "segments":[{"kind","role","tokens","text"}]}.
#include "core/contract/Enums.h"
#include "core/contract/Parsed.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace switchboard {

struct ContextSegment
{
    SegmentKind kind = SegmentKind::Message;
    QString role; // system|user|assistant|tool, optional
    qint64 tokens = 0;
    QString text;
};

struct ContextComposition
{
    static constexpr const char *kKind = "context";

    QString sessionId; // from the key
    qint64 limit = 0; // optional: 0 = the window is not known
    // The segments' tokens are an estimate (the receiver split the call's input tokens
    // over its messages by text size): shown with "≈".
    bool estimated = false;
    QString model; // optional
    qint64 updatedAt = 0; // optional, Unix ms
    QList<ContextSegment> segments;

    qint64 totalTokens() const;
    qint64 tokensOf(SegmentKind kind) const;

    // The JSON members this parser knows, as docs/contract.md lists them
    // ("segments[].kind" for members of each segment); and the required ones.
    static QStringList fieldNames();
    static QStringList requiredFieldNames();

    static Parsed<ContextComposition> parse(const QByteArray &json, const QString &sessionId);
    nlohmann::json toJson() const;
    QByteArray toBytes() const;
};

} // namespace switchboard
