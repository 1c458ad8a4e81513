#pragma once
// Size caps for untrusted fields (docs/contract.md "Caps"). A value over its cap is a bad
// record; the check is on the length alone, before any decoding, so a 10 MB value costs
// nothing.
#include <QtGlobal>

namespace switchboard::caps {

constexpr qsizetype kScalar = 4 * 1024;             // ids, names, enums, numbers
constexpr qsizetype kMessage = 16 * 1024;           // human-readable messages, reasons
constexpr qsizetype kDetailJson = 64 * 1024;        // detail / params / attrs JSON
constexpr qsizetype kContextJson = 8 * 1024 * 1024; // session:{id}:ctx composition
constexpr qsizetype kPromptBody = 4 * 1024 * 1024;  // prompt_versions.body
constexpr qsizetype kSpanPayload = 64 * 1024 * 1024; // spans.input / spans.output (loaded lazily)
constexpr qsizetype kSpanAttrs = 1024 * 1024;       // spans.attrs
constexpr qsizetype kNumber = 32;                   // any integer / decimal text

} // namespace switchboard::caps
