#pragma once
// Reads the record tables of docs/contract.md: every "### Hash|Stream|Table|View `name`"
// heading followed by a markdown table whose first column is `field` or `column`.
#include <QByteArray>
#include <QFile>
#include <QList>
#include <QMap>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

namespace switchboard::test {

struct ContractDocRow
{
    QString name;
    QString type;
    QString flag; // "required" (yes/no) for Redis, "null" (yes/no) for SQL
};

struct ContractDocSection
{
    QString kind; // Hash, Stream, Table, View, String
    QString name; // as written between backticks
    QList<ContractDocRow> rows;
};

inline QString contractDocPath()
{
    return qEnvironmentVariable("SWITCHBOARD_SOURCE_DIR") + QStringLiteral("/docs/contract.md");
}

inline QList<ContractDocSection> readContractDoc(QString *error)
{
    QFile f(contractDocPath());
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open ") + f.fileName();
        return {};
    }
    const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
    static const QRegularExpression heading(
        QStringLiteral("^### (Hash|Stream|Table|View|String) `([^`]+)`"));
    QList<ContractDocSection> out;
    ContractDocSection *current = nullptr;
    bool inTable = false;
    for (const QString &line : lines) {
        const auto m = heading.match(line);
        if (m.hasMatch()) {
            out.append({m.captured(1), m.captured(2), {}});
            current = &out.last();
            inTable = false;
            continue;
        }
        if (line.startsWith(QStringLiteral("#")))
            current = nullptr;
        if (!current)
            continue;
        if (!line.startsWith(QLatin1Char('|'))) {
            if (inTable)
                current = nullptr; // only the first table after the heading
            continue;
        }
        QStringList cells = line.split(QLatin1Char('|'));
        cells = cells.mid(1, cells.size() - 2);
        for (QString &c : cells)
            c = c.trimmed();
        if (cells.size() < 3)
            continue;
        if (cells.first() == QLatin1String("field") || cells.first() == QLatin1String("column")) {
            inTable = true;
            continue;
        }
        if (cells.first().startsWith(QStringLiteral("---")))
            continue;
        if (inTable)
            current->rows.append({cells.at(0), cells.at(1), cells.at(2)});
    }
    return out;
}

// The indexes each "### Table `agentops.x`" section names in its "Index:" / "Indexes:"
// paragraph, as written between backticks: "(session_id, started_at)", "(at DESC) WHERE …".
inline QMap<QString, QStringList> readContractIndexes(QString *error)
{
    QFile f(contractDocPath());
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open ") + f.fileName();
        return {};
    }
    static const QRegularExpression heading(QStringLiteral("^### Table `([^`]+)`"));
    static const QRegularExpression quoted(QStringLiteral("`([^`]+)`"));
    QMap<QString, QStringList> out;
    QString table;
    bool inIndexes = false;
    for (const QString &line : QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'))) {
        const auto m = heading.match(line);
        if (m.hasMatch()) {
            table = m.captured(1);
            inIndexes = false;
            continue;
        }
        if (line.startsWith(QLatin1Char('#'))) {
            table.clear();
            continue;
        }
        if (table.isEmpty())
            continue;
        if (line.startsWith(QStringLiteral("Index:"))
            || line.startsWith(QStringLiteral("Indexes:")))
            inIndexes = true;
        else if (line.trimmed().isEmpty())
            inIndexes = false;
        if (!inIndexes)
            continue;
        auto it = quoted.globalMatch(line);
        while (it.hasNext())
            out[table] << it.next().captured(1);
    }
    return out;
}

inline const ContractDocSection *findSection(const QList<ContractDocSection> &sections,
                                             const QString &kind, const QString &name)
{
    for (const auto &s : sections)
        if (s.kind == kind && s.name == name)
            return &s;
    return nullptr;
}

} // namespace switchboard::test
