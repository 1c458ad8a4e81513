#pragma once
// The table every benchmark prints: figure | value | baseline | ratio, where the baseline
// is measured in the same run on the same servers (so the ratio survives slow machines).
#include <QList>
#include <QString>

namespace switchboard::bench {

class BenchTable
{
public:
    explicit BenchTable(QString title)
        : m_title(std::move(title))
    { }
    // ratio = value / baseline; higher-is-better figures read > 1 as "faster than baseline".
    void add(const QString &figure, double value, double baseline, const QString &unit);
    void note(const QString &line) { m_notes.append(line); }
    QString render() const;
    void print() const;

private:
    struct Row
    {
        QString figure, unit;
        double value, baseline;
    };
    QString m_title;
    QList<Row> m_rows;
    QStringList m_notes;
};

} // namespace switchboard::bench
