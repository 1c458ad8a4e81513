#include "harness/BenchTable.h"

#include <cstdio>

namespace switchboard::bench {

void BenchTable::add(const QString &figure, double value, double baseline, const QString &unit)
{
    m_rows.append({figure, unit, value, baseline});
}

QString BenchTable::render() const
{
    auto fmt = [](double v, const QString &unit) -> QString {
        return QString::number(v, 'f', v >= 100 ? 0 : 2) + QLatin1Char(' ') + unit;
    };
    QString out = QStringLiteral("## ") + m_title
        + QStringLiteral("\n\n| figure | value | baseline | ratio |\n|---|---:|---:|---:|\n");
    for (const Row &r : m_rows) {
        const QString ratio = r.baseline > 0 ? QString::number(r.value / r.baseline, 'f', 2)
                                             : QStringLiteral("n/a");
        out += QStringLiteral("| ") + r.figure + QStringLiteral(" | ") + fmt(r.value, r.unit)
            + QStringLiteral(" | ") + fmt(r.baseline, r.unit) + QStringLiteral(" | ") + ratio
            + QStringLiteral(" |\n");
    }
    for (const QString &n : m_notes)
        out += QStringLiteral("\n- ") + n;
    return out + QLatin1Char('\n');
}

void BenchTable::print() const
{
    std::fprintf(stdout, "%s\n", render().toUtf8().constData());
}

} // namespace switchboard::bench
