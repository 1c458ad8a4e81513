#pragma once
// Every live session as one compact row (interned strings, raw numbers, no QVariant per
// cell): 100 000 sessions cost a few tens of MB. Fed one poll at a time by apply(), which
// merges: dataChanged per changed row, one insert for the new ones, removals per
// contiguous range. Display text is built in data(); sorting and filtering go through
// SessionProxyModel, which compares raw values via lessThan() / rowMatches().
#include "core/types/SessionChange.h"
#include "models/SessionSettings.h"

#include <QAbstractTableModel>
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QStringList>
#include <QVector>

#include <functional>

namespace switchboard {

// The sessions feed (core/services) applies its parsed slices through SessionChangeSink.
class SessionTableModel : public QAbstractTableModel, public SessionChangeSink
{
    Q_OBJECT
public:
    enum Column {
        Id,
        Agent,
        Where,
        Host,
        Turns,
        Fill,
        Model,
        Prompt,
        Summaries,
        Idle,
        State,
        Crossed,
        ColumnCount
    };
    enum Role {
        FillRole = Qt::UserRole + 1, // double: ctx_tokens / ctx_limit (-1 when unknown)
        IdRole, // QString session id
        BadRole, // bool: the hash did not parse; the reason is the tooltip
        CrossedAtRole, // qint64 Unix ms when the fill reached the alert level, 0 = below
    };

    explicit SessionTableModel(SessionSettings settings, QObject *parent = nullptr);

    // Merges one poll: upserts (new or changed hashes) and ids that left (hash expired or
    // member removed from the index). nowMs stamps crossings of sessions without a time.
    void apply(const QVector<SessionChange> &upserts, const QVector<QByteArray> &gone,
               qint64 nowMs) override;
    void clear();
    // Room for this many rows without growing (the index is a hash: growing it rehashes
    // every row in one go). A no-op when there is room already or the model holds half.
    void reserve(int rows) override;

    const SessionSettings &settings() const { return m_settings; }
    void setSettings(const SessionSettings &settings); // re-evaluates alerts and colours

    // The clock the idle column reads (Unix ms); tests and screenshots pin it.
    void setClock(std::function<qint64()> clock) { m_clock = std::move(clock); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Raw comparisons for the proxy: no QVariant, no text built.
    bool lessThan(int leftRow, int rightRow, int column) const;
    // lessThan()'s first comparison as a number, 0 for text columns: a < b exactly when
    // key(a) < key(b), or the keys are equal and lessThan(a, b). The proxy keeps these
    // in a flat vector, so sorting thousands of changed rows rarely touches the rows.
    double sortKey(int row, int column) const;
    // needle lower-cased; matched against id, agent, layer, channel, host, model, state.
    bool rowMatches(int row, const QString &needleLower) const;
    bool isAlert(int row) const { return m_rows.at(row).crossedAt > 0; }

    int rowOf(const QByteArray &id) const { return m_index.value(id, -1); }
    QByteArray idAt(int row) const { return m_rows.at(row).id; }
    QString agentAt(int row) const { return m_strings.at(m_rows.at(row).agent); }
    int promptVersionAt(int row) const { return m_rows.at(row).promptVersion; }
    int badCount() const { return m_bad.size(); }
    int alertCount() const { return m_alerts; }
    quint64 rowsChangedTotal() const { return m_changedTotal; }

Q_SIGNALS:
    // Sessions that reached the alert level in the last apply(), in one batch (a flood on
    // the first poll is one notification, not thousands).
    void thresholdCrossed(const QStringList &ids, double level);
    void applied(); // after every apply(): counts may have changed

private:
    struct Row
    {
        QByteArray id;
        qint64 startedAt = 0;
        qint64 updatedAt = 0;
        qint64 turns = 0;
        qint64 ctxTokens = 0;
        qint64 ctxLimit = 0;
        qint64 summaries = 0;
        qint64 crossedAt = 0;
        float fill = -1.0f;
        qint32 promptVersion = -1;
        quint32 agent = 0, layer = 0, channel = 0, host = 0, model = 0; // into m_strings
        quint8 state = 0;
        bool bad = false;
        bool sameAs(const Row &o) const;
    };

    Row rowFrom(const SessionChange &change);
    quint32 intern(const QString &text);
    // Sets crossedAt from the current settings; true when the row just crossed.
    bool updateCrossing(Row &row, const Row *previous, qint64 nowMs) const;
    void removeIds(const QVector<QByteArray> &gone);
    void reindexFrom(int row);
    QVariant display(const Row &row, int column) const;
    QString tooltip(const Row &row, int column) const;

    SessionSettings m_settings;
    QVector<Row> m_rows;
    QHash<QByteArray, int> m_index;
    QHash<QByteArray, QString> m_bad; // id -> reason
    QVector<QString> m_strings; // interned agent / model / host / … texts; 0 = ""
    QHash<QString, quint32> m_stringIndex;
    int m_alerts = 0;
    quint64 m_changedTotal = 0;
    std::function<qint64()> m_clock;
};

} // namespace switchboard
