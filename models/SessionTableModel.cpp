#include "models/SessionTableModel.h"

#include "core/contract/SessionRecord.h"
#include "models/DisplayFormat.h"
#include "models/UntrustedText.h"

#include <QDateTime>
#include <QFont>
#include <QFontDatabase>

#include <algorithm>

namespace switchboard {

namespace {

// A zset member is untrusted too: a huge one is shown cut, never laid out whole.
constexpr int kMaxShownId = 120;

QString shownId(const QByteArray &id)
{
    if (id.size() <= kMaxShownId)
        return untrusted::line(QString::fromUtf8(id));
    return untrusted::line(QString::fromUtf8(id.left(kMaxShownId)))
        + QStringLiteral("… (%1 bytes)").arg(id.size());
}

template<class T> int cmp(const T &a, const T &b)
{
    return a < b ? -1 : (b < a ? 1 : 0);
}

} // namespace

bool SessionTableModel::Row::sameAs(const Row &o) const
{
    return startedAt == o.startedAt && updatedAt == o.updatedAt && turns == o.turns
        && ctxTokens == o.ctxTokens && ctxLimit == o.ctxLimit && summaries == o.summaries
        && crossedAt == o.crossedAt && promptVersion == o.promptVersion && agent == o.agent
        && layer == o.layer && channel == o.channel && host == o.host && model == o.model
        && state == o.state && bad == o.bad;
}

SessionTableModel::SessionTableModel(SessionSettings settings, QObject *parent)
    : QAbstractTableModel(parent)
    , m_settings(settings)
    , m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    m_strings.append(QString());
    m_stringIndex.insert(QString(), 0);
}

quint32 SessionTableModel::intern(const QString &text)
{
    const auto it = m_stringIndex.constFind(text);
    if (it != m_stringIndex.cend())
        return it.value();
    const auto n = quint32(m_strings.size());
    m_strings.append(text);
    m_stringIndex.insert(text, n);
    return n;
}

SessionTableModel::Row SessionTableModel::rowFrom(const SessionChange &change)
{
    const SessionRecord &r = change.record;
    Row row;
    row.id = change.id;
    row.startedAt = r.startedAt;
    row.updatedAt = r.updatedAt;
    row.turns = r.turns;
    row.ctxTokens = r.ctxTokens;
    row.ctxLimit = r.ctxLimit;
    row.summaries = r.summaries;
    row.fill = r.ctxLimit > 0 ? float(r.fillRatio()) : -1.0f;
    row.promptVersion
        = r.promptVersion ? qint32(qBound<qint64>(-1, *r.promptVersion, qint64(1) << 30)) : -1;
    row.agent = intern(r.agent);
    row.layer = intern(r.layer);
    row.channel = intern(r.channel);
    row.host = intern(r.host);
    row.model = intern(r.model);
    row.state = quint8(r.state);
    row.bad = change.bad;
    return row;
}

bool SessionTableModel::updateCrossing(Row &row, const Row *previous, qint64 nowMs) const
{
    const bool above = !row.bad && row.fill >= float(m_settings.alertAt);
    if (!above) {
        row.crossedAt = 0;
        return false;
    }
    if (previous && previous->crossedAt > 0) {
        row.crossedAt = previous->crossedAt;
        return false;
    }
    // The first hash seen above the level: its own update time is when it got there (or
    // earlier, if it crossed between two polls).
    row.crossedAt = row.updatedAt > 0 ? row.updatedAt : nowMs;
    return true;
}

void SessionTableModel::apply(const QVector<SessionChange> &upserts,
                              const QVector<QByteArray> &gone, qint64 nowMs)
{
    QVector<Row> added;
    QStringList crossed;
    QHash<QByteArray, int> addedIndex; // a member repeated within one poll: last wins
    for (const SessionChange &change : upserts) {
        Row row = rowFrom(change);
        const int at = m_index.value(change.id, -1);
        const Row *previous = at >= 0 ? &m_rows.at(at) : nullptr;
        if (updateCrossing(row, previous, nowMs))
            crossed.append(QString::fromUtf8(change.id));
        if (row.bad)
            m_bad.insert(change.id, change.badReason);
        else
            m_bad.remove(change.id);
        if (at >= 0) {
            if (previous->sameAs(row))
                continue;
            m_alerts += (row.crossedAt > 0) - (previous->crossedAt > 0);
            m_rows[at] = std::move(row);
            // Signalled at once, row by row: QSortFilterProxyModel keeps a changed row in
            // place when it is still ordered against its neighbours, which is only right
            // if no other row has changed unsignalled (a run, or a batch signalled after
            // all the writes, left the proxy unsorted under the burst test on Qt 6.4).
            // Views repaint once per event-loop pass however many rows are signalled.
            Q_EMIT dataChanged(index(at, 0), index(at, ColumnCount - 1));
            ++m_changedTotal;
        } else if (addedIndex.contains(change.id)) {
            Row &earlier = added[addedIndex.value(change.id)];
            m_alerts += (row.crossedAt > 0) - (earlier.crossedAt > 0);
            earlier = std::move(row);
        } else {
            m_alerts += row.crossedAt > 0;
            addedIndex.insert(change.id, int(added.size()));
            added.append(std::move(row));
        }
    }
    removeIds(gone);
    if (!added.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        for (Row &row : added) {
            m_index.insert(row.id, int(m_rows.size()));
            m_rows.append(std::move(row));
        }
        endInsertRows();
    }
    if (!crossed.isEmpty())
        Q_EMIT thresholdCrossed(crossed, m_settings.alertAt);
    Q_EMIT applied();
}

void SessionTableModel::reserve(int rows)
{
    // Only while the model is far from that size (the first poll): reserving a little
    // more each time would rehash every row each time.
    if (rows <= m_rows.capacity() || qsizetype(rows) < 2 * m_rows.size())
        return;
    m_rows.reserve(rows);
    m_index.reserve(rows);
}

void SessionTableModel::removeIds(const QVector<QByteArray> &gone)
{
    QVector<int> rows;
    for (const QByteArray &id : gone) {
        const int at = m_index.value(id, -1);
        if (at >= 0)
            rows.append(at);
    }
    if (rows.isEmpty())
        return;
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    // Highest range first, so the lower rows keep their numbers while we go.
    int i = int(rows.size()) - 1;
    while (i >= 0) {
        int first = rows.at(i);
        const int last = first;
        while (i > 0 && rows.at(i - 1) == first - 1)
            first = rows.at(--i);
        --i;
        beginRemoveRows({}, first, last);
        for (int r = first; r <= last; ++r) {
            m_index.remove(m_rows.at(r).id);
            m_bad.remove(m_rows.at(r).id);
            m_alerts -= m_rows.at(r).crossedAt > 0;
        }
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
        endRemoveRows();
    }
    reindexFrom(rows.first());
}

void SessionTableModel::reindexFrom(int row)
{
    for (int r = row; r < m_rows.size(); ++r)
        m_index[m_rows.at(r).id] = r;
}

void SessionTableModel::clear()
{
    if (m_rows.isEmpty())
        return;
    beginRemoveRows({}, 0, int(m_rows.size()) - 1);
    m_rows.clear();
    m_index.clear();
    m_bad.clear();
    m_alerts = 0;
    endRemoveRows();
    Q_EMIT applied();
}

void SessionTableModel::setSettings(const SessionSettings &settings)
{
    m_settings = settings;
    m_alerts = 0;
    QStringList crossed;
    const qint64 now = m_clock();
    for (Row &row : m_rows) {
        const Row before = row;
        if (updateCrossing(row, &before, now))
            crossed.append(QString::fromUtf8(row.id));
        m_alerts += row.crossedAt > 0;
    }
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
    if (!crossed.isEmpty())
        Q_EMIT thresholdCrossed(crossed, m_settings.alertAt);
    Q_EMIT applied();
}

int SessionTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SessionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SessionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    static const char *const names[ColumnCount]
        = {"Session", "Agent",  "Layer / channel", "Host", "Turns", "Fill",
           "Model",   "Prompt", "Summaries",       "Idle", "State", "Crossed"};
    static const char *const tips[ColumnCount]
        = {"Session id (N session:{id})",
           "Agent",
           "Layer and channel",
           "Host the session runs on",
           "Completed turns",
           "Context fill: input tokens of the latest model call (cache included) over the window",
           "Model",
           "Active prompt version",
           "Summarisations so far",
           "Time since the session last changed",
           "Session state",
           "When the fill reached the alert level"};
    if (section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::DisplayRole)
        return QString::fromLatin1(names[section]);
    if (role == Qt::ToolTipRole)
        return QString::fromLatin1(tips[section]);
    return {};
}

QVariant SessionTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &row = m_rows.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return display(row, column);
    case Qt::ToolTipRole:
        return untrusted::toolTip(tooltip(row, column));
    case Qt::TextAlignmentRole:
        if (column == Turns || column == Fill || column == Summaries || column == Idle
            || column == Prompt)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::FontRole:
        if (column == Id)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        return {};
    case FillRole:
        return double(row.fill);
    case IdRole:
        return QString::fromUtf8(row.id);
    case BadRole:
        return row.bad;
    case CrossedAtRole:
        return row.crossedAt;
    default:
        return {};
    }
}

QVariant SessionTableModel::display(const Row &row, int column) const
{
    switch (column) {
    case Id:
        return row.bad ? QString(QStringLiteral("⚠ ") + shownId(row.id)) : shownId(row.id);
    case Agent:
        return untrusted::line(m_strings.at(row.agent));
    case Where: {
        const QString layer = untrusted::line(m_strings.at(row.layer));
        const QString channel = untrusted::line(m_strings.at(row.channel));
        if (layer.isEmpty() || channel.isEmpty())
            return QString(layer + channel);
        return QString(layer + QStringLiteral(" / ") + channel);
    }
    case Host:
        return untrusted::line(m_strings.at(row.host));
    case Turns:
        return QString::number(row.turns);
    case Fill:
        if (row.fill < 0)
            return row.bad ? QStringLiteral("–")
                           : QStringLiteral("unknown"); // the tooltip says why
        return QString(QString::number(double(row.fill) * 100.0, 'f', 0) + QStringLiteral(" %"));
    case Model:
        return untrusted::line(m_strings.at(row.model));
    case Prompt:
        return row.promptVersion < 0 ? QString() : QStringLiteral("v%1").arg(row.promptVersion);
    case Summaries:
        return QString::number(row.summaries);
    case Idle:
        return row.updatedAt > 0 ? display::duration(m_clock() - row.updatedAt) : QString();
    case State:
        return row.bad ? QStringLiteral("bad data") : enumToText(SessionState(row.state));
    case Crossed:
        return display::ago(row.crossedAt, m_clock());
    default:
        return {};
    }
}

QString SessionTableModel::tooltip(const Row &row, int column) const
{
    if (row.bad)
        return QString(QStringLiteral("Bad session hash:\n") + m_bad.value(row.id));
    switch (column) {
    case Fill:
        if (row.ctxLimit <= 0)
            return QStringLiteral("%1 tokens; the model's window is not known (no "
                                  "ctx_limit: its writer was not told it), so no fill and no "
                                  "alert")
                .arg(row.ctxTokens);
        return QStringLiteral("%1 / %2 tokens (%3 %)")
            .arg(row.ctxTokens)
            .arg(row.ctxLimit)
            .arg(row.fill < 0 ? 0.0 : double(row.fill) * 100.0, 0, 'f', 1);
    case Idle:
        return QStringLiteral("last update %1\nstarted %2")
            .arg(display::absolute(row.updatedAt), display::absolute(row.startedAt));
    case Crossed:
        return display::absolute(row.crossedAt);
    case Id:
        return QString::fromUtf8(row.id.left(4096));
    default:
        return {};
    }
}

bool SessionTableModel::lessThan(int leftRow, int rightRow, int column) const
{
    const Row &a = m_rows.at(leftRow);
    const Row &b = m_rows.at(rightRow);
    int c = 0;
    switch (column) {
    case Id:
        c = cmp(a.id, b.id);
        break;
    case Agent:
        c = cmp(m_strings.at(a.agent), m_strings.at(b.agent));
        break;
    case Where:
        c = cmp(m_strings.at(a.layer), m_strings.at(b.layer));
        if (c == 0)
            c = cmp(m_strings.at(a.channel), m_strings.at(b.channel));
        break;
    case Host:
        c = cmp(m_strings.at(a.host), m_strings.at(b.host));
        break;
    case Turns:
        c = cmp(a.turns, b.turns);
        break;
    case Fill:
        c = cmp(a.fill, b.fill);
        break;
    case Model:
        c = cmp(m_strings.at(a.model), m_strings.at(b.model));
        break;
    case Prompt:
        c = cmp(a.promptVersion, b.promptVersion);
        break;
    case Summaries:
        c = cmp(a.summaries, b.summaries);
        break;
    case Idle:
        c = cmp(b.updatedAt, a.updatedAt);
        break; // older update = longer idle
    case State:
        c = cmp(a.bad ? 255 : a.state, b.bad ? 255 : b.state);
        break;
    case Crossed:
        c = cmp(a.crossedAt, b.crossedAt);
        break;
    default:
        break;
    }
    return c != 0 ? c < 0 : a.id < b.id; // ties by id: a stable, total order
}

double SessionTableModel::sortKey(int row, int column) const
{
    const Row &r = m_rows.at(row);
    switch (column) {
    case Turns:
        return double(r.turns);
    case Fill:
        return double(r.fill);
    case Prompt:
        return double(r.promptVersion);
    case Summaries:
        return double(r.summaries);
    case Idle:
        return -double(r.updatedAt); // older update = longer idle
    case State:
        return double(r.bad ? 255 : r.state);
    case Crossed:
        return double(r.crossedAt);
    default:
        return 0; // text: lessThan() compares
    }
}

bool SessionTableModel::rowMatches(int row, const QString &needleLower) const
{
    if (needleLower.isEmpty())
        return true;
    const Row &r = m_rows.at(row);
    for (quint32 s : {r.agent, r.host, r.model, r.layer, r.channel})
        if (m_strings.at(s).contains(needleLower, Qt::CaseInsensitive))
            return true;
    if (QString::fromUtf8(r.id).contains(needleLower, Qt::CaseInsensitive))
        return true;
    const QString state = r.bad ? QStringLiteral("bad") : enumToText(SessionState(r.state));
    return state.contains(needleLower, Qt::CaseInsensitive);
}

} // namespace switchboard
