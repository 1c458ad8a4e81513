#pragma once
// Renders a trace bundle (TraceExporter::collect) as one self-contained HTML file: inline
// CSS and JS only, no external URL, readable offline in any browser. Every span is one
// <tr class="span" data-span-id=…> row followed by its payload row, so a reader (or a
// test) can count them.
#include <QByteArray>

#include <nlohmann/json.hpp>

namespace switchboard {

QByteArray renderExportHtml(const nlohmann::json &bundle);

} // namespace switchboard
