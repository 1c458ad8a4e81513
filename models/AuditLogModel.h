#pragma once
// The audit log as a list, newest first, keyset-paged: when, who (the display name the
// console gave and the database role the server recorded), what, on which target, why,
// and how it ended (the latest outcome row; "no outcome" for a request nobody answered).
// Everything in it was written by consoles and agents' operators: shown as plain text.
#include "core/types/AuditLogPage.h"
#include "models/PagedTableModel.h"

namespace switchboard {

class AuditLogModel : public PagedTableModel<AuditEntry>
{
    Q_OBJECT
public:
    enum Column { When, Operator, Action, Target, Outcome, Reason, ColumnCount };
    enum Role {
        TargetRole = Qt::UserRole + 1, // the target text (`proc:…`, `prompt:…`, `session:…`)
        IdRole, // the request row's id
        BadRole, // true: the row did not parse (shown marked)
    };

    explicit AuditLogModel(QObject *parent = nullptr);

    // A page from AuditLog::pageLoaded.
    void applyPage(const std::vector<AuditEntry> &entries, bool append, bool more);

    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // "succeeded", "refused", "requested: no outcome yet", with the number of outcome rows.
    static QString outcomeText(const AuditEntry &e);

Q_SIGNALS:
    void moreRequested();

protected:
    void requestPageAfterLast() override { Q_EMIT moreRequested(); }
    bool before(const AuditEntry &a, const AuditEntry &b) const override;
    bool same(const AuditEntry &a, const AuditEntry &b) const override;

private:
    QVariant rawData(const QModelIndex &index, int role) const;
};

} // namespace switchboard
