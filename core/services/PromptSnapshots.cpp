#include "core/services/PromptSnapshots.h"

#include <nlohmann/json.hpp>

namespace switchboard {

// Here, in core_types, not beside the queries (core_io): the prompts view diffs with it
// (layer_link_check_widgets).
QString PromptVersionDetail::diffText() const
{
    QString out = QStringLiteral("model: ") + value.model + QLatin1Char('\n');
    if (value.params.is_object()) {
        for (auto it = value.params.begin(); it != value.params.end(); ++it)
            out += QStringLiteral("param %1: %2\n")
                       .arg(QString::fromStdString(it.key()),
                            QString::fromStdString(it.value().dump()));
    } else if (!paramsText.isEmpty()) {
        out += QStringLiteral("params: ") + paramsText + QLatin1Char('\n');
    }
    out += QStringLiteral("──── body ────\n");
    out += value.body;
    return out;
}

} // namespace switchboard
