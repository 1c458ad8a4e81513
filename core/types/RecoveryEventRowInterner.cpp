#include "core/types/RecoveryEventRowInterner.h"

namespace switchboard {

void RecoveryEventRowInterner::intern(QString *text)
{
    if (text->isEmpty())
        return;
    const auto it = m_strings.constFind(*text);
    if (it != m_strings.constEnd()) {
        *text = it.value(); // the row's own copy is freed here, on the worker thread
        return;
    }
    if (m_strings.size() >= m_limit)
        m_strings.clear();
    m_strings.insert(*text, *text);
}

} // namespace switchboard
