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

} // namespace switchboard::test
