#pragma once
// Shares the text of fields that repeat across events (agent, host, session): a flood of
// events from a few agents otherwise keeps one allocation per row and field in the
// 100 000-row buffer. Bounded: when it holds `limit` strings it starts over (a session id
// churn costs a rebuild, never unbounded memory). One per tail worker; not thread-safe.
#include "core/types/RecoveryEventRow.h"

#include <QHash>
#include <QString>

namespace switchboard {

class RecoveryEventRowInterner
{
public:
    explicit RecoveryEventRowInterner(int limit = 8192)
        : m_limit(limit)
    { }

    void intern(RecoveryEventRow *row)
    {
        intern(&row->event.agent);
        intern(&row->event.host);
        intern(&row->event.sessionId);
    }
    void intern(QString *text);
    int size() const { return int(m_strings.size()); }

private:
    QHash<QString, QString> m_strings; // value shares the key's data
    int m_limit;
};

} // namespace switchboard
