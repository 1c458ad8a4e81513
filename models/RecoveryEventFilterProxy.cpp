#include "models/RecoveryEventFilterProxy.h"

#include "models/RecoveryEventTableModel.h"

namespace switchboard {

RecoveryEventFilterProxy::RecoveryEventFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(RecoveryEventTableModel::SortRole);
}

void RecoveryEventFilterProxy::refilter()
{
    // Qt 6.4 has no beginFilterChange(); invalidateFilter() re-runs the filter only.
    invalidateFilter();
}

void RecoveryEventFilterProxy::setKind(std::optional<RecoveryKind> kind)
{
    m_kind = kind;
    refilter();
}

void RecoveryEventFilterProxy::setOutcome(OutcomeFilter outcome)
{
    m_outcome = outcome;
    refilter();
}

void RecoveryEventFilterProxy::setAgent(const QString &agent)
{
    m_agent = agent.trimmed();
    refilter();
}

void RecoveryEventFilterProxy::setSession(const QString &sessionId)
{
    m_session = sessionId.trimmed();
    refilter();
}

void RecoveryEventFilterProxy::setText(const QString &text)
{
    m_text = text.trimmed();
    refilter();
}

bool RecoveryEventFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    const auto *model = qobject_cast<const RecoveryEventTableModel *>(sourceModel());
    if (!model)
        return true;
    const EventRow &row = model->rowAt(sourceRow);
    if (row.type == EventRow::Type::Gap)
        return true;
    const RecoveryEvent &e = row.event;
    const bool bad = row.type == EventRow::Type::Bad;
    if (!m_agent.isEmpty() && e.agent != m_agent)
        return false;
    if (!m_session.isEmpty() && e.sessionId != m_session)
        return false;
    if (m_kind && (bad || e.kind != *m_kind))
        return false;
    switch (m_outcome) {
    case OutcomeFilter::Any:
        break;
    case OutcomeFilter::Bad:
        if (!bad)
            return false;
        break;
    case OutcomeFilter::Unrecoverable:
        if (bad || e.recoverable)
            return false;
        break;
    case OutcomeFilter::Recovered:
    case OutcomeFilter::Failed:
    case OutcomeFilter::InProgress: {
        const RecoveryOutcome want = m_outcome == OutcomeFilter::Recovered
            ? RecoveryOutcome::Recovered
            : m_outcome == OutcomeFilter::Failed ? RecoveryOutcome::Failed
                                                 : RecoveryOutcome::InProgress;
        if (bad || e.outcome != want)
            return false;
        break;
    }
    }
    if (m_text.isEmpty())
        return true;
    const auto has = [this](const QString &s) {
        return s.contains(m_text, Qt::CaseInsensitive);
    };
    return has(e.agent) || has(e.sessionId) || has(e.message) || has(enumToText(e.kind))
        || (bad && has(row.problem));
}

} // namespace switchboard
