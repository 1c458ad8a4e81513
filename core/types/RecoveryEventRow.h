#pragma once
// One row of the events views: a recovery event that parsed, a bad record (kept, with the
// parser's reason, so bad input is visible rather than dropped), or a gap marker saying
// how much of the stream may be missing after a reconnect.
#include "core/contract/RecoveryEvent.h"

#include <QByteArray>
#include <QString>

#include <array>
#include <vector>

namespace switchboard {

struct RecoveryEventRow
{
    enum class Type : quint8 { Event, Bad, Gap };
    Type type = Type::Event;
    RecoveryEvent event; // for Bad rows: whatever could be read around the errors
    QString problem; // Bad: the parser's message; Gap: what may be missing
    qint64 missing = -1; // Gap: how many entries are gone (-1 = unknown)

    // The most of an event's message a row keeps: all the view ever shows of it (the
    // cell shows one elided line, the tooltip this many characters; the whole message is
    // in agentops.recovery_events, the traces view and the export). A contract-valid
    // message may be 16 KiB (32 KiB as a QString); kept whole, a 100 000-row buffer of
    // them would hold 3.2 GB, cut at 2 000 characters still 400 MB, and the fault soak's
    // two oversized bursts alone held 8 MiB of the console's growth (docs/soak.md).
    static constexpr qsizetype kMaxMessageChars = 500;

    // A good or bad row from a parse; the detail payload is dropped (shown on demand only)
    // and the message cut to kMaxMessageChars.
    static RecoveryEventRow fromParsed(Parsed<RecoveryEvent> parsed);
    static RecoveryEventRow gap(qint64 at, const QString &problem, qint64 missing);
    // A bad row for a stream entry that could not be read at all: over the reply cap
    // ("event <id>: over the 64 MiB reply cap: a 73400320-byte string, not read").
    static RecoveryEventRow unreadable(const QByteArray &streamId, const QString &reason);
};

// Keeps at most `capacity` of `rows` (oldest first): the newest events, and every gap row
// (up to `capacity` of them) in its place, so a trim of rows that could never be listed
// never hides the marker saying events are missing. Returns how many rows were dropped.
qint64 trimOldestKeepingGaps(std::vector<RecoveryEventRow> &rows, size_t capacity);

constexpr int kRecoveryKindCount = 9; // RecoveryKind::Other + 1
constexpr int kRecoveryOutcomeCount = 3; // RecoveryOutcome::InProgress + 1

// Exact figures over everything the tail has seen, also beyond the bounded buffer.
struct RecoveryEventCounters
{
    qint64 total = 0; // good + bad rows (not gap markers)
    qint64 bad = 0;
    qint64 unrecoverable = 0;
    qint64 gaps = 0;
    qint64 missing = 0; // entries known to be lost in gaps
    qint64 evicted = 0; // rows dropped from the buffer (counted, no longer listed)
    std::array<qint64, kRecoveryKindCount> byKind {};
    std::array<qint64, kRecoveryOutcomeCount> byOutcome {};

    void count(const RecoveryEventRow &row);
    void add(const RecoveryEventCounters &other);
};

} // namespace switchboard
