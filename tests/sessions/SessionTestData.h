#pragma once
// Session hashes for the sessions tests, built through the contract's own writer.
#include "core/contract/SessionRecord.h"
#include "models/SessionTableModel.h"

namespace switchboard::test {

inline SessionRecord sessionRecord(const QString &id, qint64 tokens, qint64 updatedAt,
                                   const QString &agent = QStringLiteral("support-bot"))
{
    SessionRecord r;
    r.id = id;
    r.agent = agent;
    r.layer = QStringLiteral("llm");
    r.channel = QStringLiteral("chat");
    r.host = QStringLiteral("h1");
    r.startedAt = updatedAt - 60000;
    r.updatedAt = updatedAt;
    r.turns = 3;
    r.ctxTokens = tokens;
    r.ctxLimit = 100000;
    r.summaries = 0;
    r.model = QStringLiteral("claude-sonnet-4");
    r.promptVersion = 4;
    r.state = SessionState::Active;
    return r;
}

// The hash as HGETALL returns it (a flat field/value list).
inline QList<QByteArray> sessionFields(const QString &id, qint64 tokens, qint64 updatedAt,
                                       const QString &agent = QStringLiteral("support-bot"))
{
    return sessionRecord(id, tokens, updatedAt, agent).toFields().toFlatList();
}

// The hash as the feed hands it to the model: parsed.
inline SessionChange sessionChange(const QString &id, qint64 tokens, qint64 updatedAt,
                                   const QString &agent = QStringLiteral("support-bot"))
{
    return SessionChange::parse(id.toUtf8(), sessionFields(id, tokens, updatedAt, agent));
}

} // namespace switchboard::test
