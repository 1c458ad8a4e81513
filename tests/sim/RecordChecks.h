#pragma once
// Reads records back the way a console must: required fields, integers, enum values,
// JSON, UTF-8 and size caps. Returns an empty string for a good record, else the reason.
// STOPGAP: core/contract's parsers (branch `contract`) were not committed when this was
// written; these checks follow their enums and caps (Enums.cpp, Caps.h) and are meant to
// be replaced by parseProcessRecord / parseSessionRecord / … once they land.
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
