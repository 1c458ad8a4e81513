#include "widgets/traces/JsonTreeWidget.h"

#include "models/UntrustedText.h"

#include <QHeaderView>

namespace switchboard {

JsonTreeWidget::JsonTreeWidget(QWidget *parent)
    : QTreeWidget(parent)
{
    setColumnCount(3);
    setHeaderLabels({QStringLiteral("Key"), QStringLiteral("Value"), QStringLiteral("Type")});
    setUniformRowHeights(true);
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(1, QHeaderView::Stretch);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    setFont(mono);
}

void JsonTreeWidget::setJson(const nlohmann::json &value)
{
    clear();
    int budget = kMaxItems;
    add(invisibleRootItem(), QStringLiteral("(root)"), value, &budget);
    expandToDepth(1);
    resizeColumnToContents(0);
}

void JsonTreeWidget::add(QTreeWidgetItem *parent, const QString &key, const nlohmann::json &v,
                         int *budget)
{
    if (--*budget < 0)
        return;
    auto *item = new QTreeWidgetItem(parent);
    item->setText(0, untrusted::line(key, 200));
    if (key.size() > 40 || untrusted::needsMarking(key))
        item->setToolTip(0, untrusted::toolTip(key, 500));
    item->setText(2, QString::fromLatin1(v.type_name()));
    if (v.is_object() || v.is_array()) {
        item->setText(1,
                      QStringLiteral("%1 %2").arg(v.size()).arg(
                          v.is_object() ? QStringLiteral("keys") : QStringLiteral("items")));
        int i = 0;
        for (auto it = v.begin(); it != v.end(); ++it, ++i) {
            if (*budget <= 0) {
                auto *more = new QTreeWidgetItem(item);
                more->setText(0, QStringLiteral("…"));
                more->setText(1, QStringLiteral("%1 more not shown").arg(int(v.size()) - i));
                break;
            }
            add(item, v.is_object() ? QString::fromStdString(it.key()) : QString::number(i), *it,
                budget);
        }
    } else {
        const std::string text = v.is_string()
            ? v.get<std::string>()
            : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        const QString value = QString::fromStdString(text.substr(0, 2000));
        QString shown = untrusted::line(value, 2000);
        if (text.size() > 2000)
            shown += QStringLiteral(" … (%1 bytes)").arg(text.size());
        item->setText(1, shown);
        item->setToolTip(1, untrusted::toolTip(value, 500));
    }
}

} // namespace switchboard
