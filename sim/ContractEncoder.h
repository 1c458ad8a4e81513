#pragma once
// The one place where simulator values become contract records (docs/contract.md):
// Redis key names, hash and stream fields, Postgres columns. Keep it in step with the
// contract; tests read everything back through core's parsers to catch drift.
#include "core/contract/Keys.h"
#include "sim/SimRecord.h"
#include "sim/SimState.h"

#include <string>

namespace switchboard::sim {

class ContractEncoder
{
public:
    explicit ContractEncoder(std::string ns)
        : m_ns(ns)
        , m_keys(QByteArray::fromStdString(ns))
    { }
    const std::string &ns() const { return m_ns; }

    // Redis keys (core/contract Keys)
    std::string procKey(const ProcState &p) const;
    std::string procsKey() const;
    std::string procEventsKey() const;
    std::string sessionKey(const std::string &id) const;
    std::string sessionsKey() const;
    std::string sessionCtxKey(const std::string &id) const;
    std::string recoveryEventsKey() const;
    std::string promptKey(const std::string &agent) const;
    std::string promptActivatedChannel() const;

    // Redis values
    static FieldList procFields(const ProcState &p);
    static FieldList procEventFields(const ProcEvent &e);
    static FieldList sessionFields(const SessionState &s);
    static std::string contextJson(const SessionState &s);
    static FieldList recoveryEventFields(const RecoveryEvent &e);
    static FieldList activePromptFields(const PromptDeployment &d);
    static std::string promptActivatedJson(const PromptDeployment &d);

    // Postgres rows (column order is the row's column list)
    static FieldList spanRow(const SpanData &s);
    static FieldList sessionSummaryRow(const SessionState &s);
    static FieldList recoveryRow(const RecoveryEvent &e, const std::string &streamId);
    static FieldList processEventRow(const ProcEvent &e, const std::string &streamId);
    static std::string pathElement(std::int64_t startedAtMs, const std::string &spanId);
    static FieldList promptVersionRow(const PromptVersion &v);
    static FieldList deploymentRow(const PromptDeployment &d);
    static FieldList notificationRow(const PromptDeployment &d);

private:
    std::string m_ns;
    Keys m_keys;
};

} // namespace switchboard::sim
