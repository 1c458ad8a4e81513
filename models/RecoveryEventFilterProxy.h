#pragma once
// Filters over the events table: kind, agent, session, outcome and free text. Gap markers
// always pass (what may be missing must stay visible); bad rows pass unless a kind or
// outcome filter asks for something they cannot be shown to be.
#include "core/contract/Enums.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace switchboard {

class RecoveryEventFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    enum class OutcomeFilter { Any, Recovered, Failed, InProgress, Unrecoverable, Bad };

    explicit RecoveryEventFilterProxy(QObject *parent = nullptr);

    void setKind(std::optional<RecoveryKind> kind);
    void setOutcome(OutcomeFilter outcome);
    void setAgent(const QString &agent); // exact; empty = any
    void setSession(const QString &sessionId); // exact; empty = any
    void setText(const QString &text); // substring of agent, session, kind, message

    std::optional<RecoveryKind> kind() const { return m_kind; }
    OutcomeFilter outcome() const { return m_outcome; }
    const QString &agent() const { return m_agent; }
    const QString &session() const { return m_session; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    void refilter();

    std::optional<RecoveryKind> m_kind;
    OutcomeFilter m_outcome = OutcomeFilter::Any;
    QString m_agent;
    QString m_session;
    QString m_text;
};

} // namespace switchboard
