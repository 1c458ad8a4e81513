#pragma once
// Reads records back through core/contract's parsers, the way the console reads them.
// Returns an empty string for a good record, else the parser's message.
#include <QByteArray>
#include <QList>
#include <QString>

namespace switchboard::test {

QString checkProc(const QList<QByteArray> &flat);
QString checkProcEvent(const QList<QByteArray> &flat);
QString checkSession(const QList<QByteArray> &flat);
QString checkContext(const QByteArray &json);
QString checkEvent(const QList<QByteArray> &flat);
QString checkActivePrompt(const QList<QByteArray> &flat);

// Reads up to `limit` rows of an agentops table (as text, through libpqxx) and parses
// each with the contract type for that table. Returns the parser messages of bad rows;
// *rows gets the number read.
QStringList checkPgRows(const QString &dsn, const QString &table, int limit, int *rows);

} // namespace switchboard::test
