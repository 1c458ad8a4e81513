#pragma once
// The one place where simulator values become contract records (docs/contract.md):
// Redis key names, hash and stream fields, Postgres columns. Keep it in step with the
// contract; tests read everything back through core's parsers to catch drift.
#include "sim/Model.h"
#include "sim/SimRecord.h"

#include <string>

namespace switchboard::sim {

class Shapes
{
public:
    explicit Shapes(std::string ns) : m_ns(std::move(ns)) {}
    const std::string &ns() const { return m_ns; }

    // Redis keys
    std::string procKey(const ProcState &p) const { return m_ns + "proc:" + p.member(); }
    std::string procsKey() const { return m_ns + "procs"; }
    std::string procEventsKey() const { return m_ns + "proc-events"; }
    std::string sessionKey(const std::string &id) const { return m_ns + "session:" + id; }
    std::string sessionsKey() const { return m_ns + "sessions"; }
    std::string sessionCtxKey(const std::string &id) const { return m_ns + "session:" + id + ":ctx"; }
    std::string eventsKey() const { return m_ns + "events"; }
    std::string promptKey(const std::string &agent) const { return m_ns + "prompt:" + agent; }
    std::string promptActivatedChannel() const { return m_ns + "prompt-activated"; }

    // Redis values
    static FieldList procFields(const ProcState &p);
    static FieldList procEventFields(const ProcEvent &e);
    static FieldList sessionFields(const SessionState &s);
    static std::string contextJson(const SessionState &s);
    static FieldList eventFields(const RecoveryEvent &e);
    static FieldList activePromptFields(const PromptDeployment &d);
    static std::string promptActivatedJson(const PromptDeployment &d);

    // Postgres rows (column order is the row's column list)
    static FieldList spanRow(const SpanData &s);
    static FieldList sessionSummaryRow(const SessionState &s);
    static FieldList recoveryRow(const RecoveryEvent &e, const std::string &streamId);
    static FieldList processEventRow(const ProcEvent &e);
    static FieldList promptVersionRow(const PromptVersion &v);
    static FieldList deploymentRow(const PromptDeployment &d);

private:
    std::string m_ns;
};

} // namespace switchboard::sim
